import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { AgentEventView } from '../../src/ipc/server/event-views.ts';

/** The events as the API delivers them (views), by type. */
type AgentEvents = { [E in AgentEventView as E['type']]: E['data'] };
import type { AppRouter } from '../../src/ipc/app-router.ts';
import { createSocketClient } from '../../src/ipc/socket-client.ts';
import { startDriveup, waitForLine } from './driveup-process.ts';

export type AgentClient = ReturnType<typeof createSocketClient<AppRouter>>;

export interface AgentProcess {
  child: ChildProcess;
  client: AgentClient;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string | null>;
  /**
   * Subscribes, and once the subscription is live resolves with a function that waits for the
   * first event of `type` that `accept` takes:
   * `const paused = await agent.next('queue.paused'); …; await paused();`
   */
  next<K extends keyof AgentEvents>(
    type: K,
    accept?: (data: AgentEvents[K]) => boolean,
  ): Promise<() => Promise<AgentEvents[K]>>;
  /**
   * Every event of `type` from now on (once the subscription is live), and a wait for the moment
   * they satisfy `done`, checked as each arrives.
   */
  collect<K extends keyof AgentEvents>(type: K): Promise<Collected<AgentEvents[K]>>;
}

export interface Collected<T> {
  readonly items: T[];
  until(done: (items: readonly T[]) => boolean): Promise<void>;
  stop(): void;
}

/**
 * `driveup agent` processes for a test, each with a socket client; any still running afterwards
 * is killed.
 */
export function useAgentProcesses(): (env: NodeJS.ProcessEnv) => Promise<AgentProcess> {
  const started: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return async (env) => {
    const child = startDriveup(['agent', '--json'], env);
    started.push(child);
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    await waitForLine(child, /"pid"/);
    const client = createSocketClient<AppRouter>(resolvePaths({ env }).socketPath);
    return {
      child,
      client,
      exited,
      next: (type, accept) => nextEvent(client, type, accept),
      collect: (type) => collectEvents(client, type),
    };
  };
}

function nextEvent<K extends keyof AgentEvents>(
  client: AgentClient,
  type: K,
  accept: (data: AgentEvents[K]) => boolean = () => true,
): Promise<() => Promise<AgentEvents[K]>> {
  const started = Promise.withResolvers<void>();
  const event = new Promise<AgentEvents[K]>((resolve, reject) => {
    const subscription = client.events.subscribe(
      {},
      {
        onStarted: () => started.resolve(),
        onData: ({ data }) => {
          if (data.type !== type || !accept(data.data as AgentEvents[K])) return;
          subscription.unsubscribe();
          resolve(data.data as AgentEvents[K]);
        },
        onError: (error) => {
          started.reject(error);
          reject(error);
        },
      },
    );
  });
  event.catch(() => {});
  return started.promise.then(() => () => event);
}

async function collectEvents<K extends keyof AgentEvents>(
  client: AgentClient,
  type: K,
): Promise<Collected<AgentEvents[K]>> {
  const items: AgentEvents[K][] = [];
  const waiters: Array<{ done: (items: readonly AgentEvents[K][]) => boolean; resolve(): void }> =
    [];
  const started = Promise.withResolvers<void>();
  const subscription = client.events.subscribe(
    {},
    {
      onStarted: () => started.resolve(),
      onData: ({ data }) => {
        if (data.type !== type) return;
        items.push(data.data as AgentEvents[K]);
        for (const waiter of waiters.filter((w) => w.done(items))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
      onError: (error) => started.reject(error),
    },
  );
  await started.promise;
  return {
    items,
    until: (done) =>
      done(items) ? Promise.resolve() : new Promise((resolve) => waiters.push({ done, resolve })),
    stop: () => subscription.unsubscribe(),
  };
}
