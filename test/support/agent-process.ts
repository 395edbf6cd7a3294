import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { resolvePaths, type DriveUpPaths } from '../../src/core/config/paths.ts';
import type { AgentEventView } from '../../src/ipc/server/event-views.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';

/** The events as the API delivers them (views), by type. */
type AgentEvents = { [E in AgentEventView as E['type']]: E['data'] };
import { signInWithCli, startDriveup, waitForLine } from './driveup-process.ts';
import type { FakeGoogle } from './fake-google/index.ts';
import { fakeGoogleEnv } from './fake-google-env.ts';

export type AgentClient = ReturnType<typeof createSocketClient<AppRouter>>;

/** `driveup agent` as installed, in its own process, with a client on its socket. */
export interface AgentProcess {
  env: NodeJS.ProcessEnv;
  paths: DriveUpPaths;
  client: AgentClient;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string | null>;
  /**
   * Resolves with the first event of `type` that `accept` takes, among every event since the agent
   * started (they are all recorded, so none can slip by between an action and the wait for it).
   */
  event<K extends keyof AgentEvents>(
    type: K,
    accept?: (data: AgentEvents[K]) => boolean,
  ): Promise<AgentEvents[K]>;
  /**
   * Subscribes, and once the subscription is live resolves with a function that waits for the
   * first event of `type` that `accept` takes from then on:
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

export interface AgentProcesses {
  /** An agent against the fake Google server, its home in `home`; signed in unless `signIn: false`. */
  start(
    fake: FakeGoogle,
    home: string,
    options?: { settings?: object; signIn?: boolean },
  ): Promise<AgentProcess>;
  /** An agent in exactly this environment (the caller set up its home, Google and sign-in). */
  launch(env: NodeJS.ProcessEnv): Promise<AgentProcess>;
}

/**
 * `driveup agent` processes for a test file, each with a socket client; any still running after
 * a test is SIGKILLed. Call at the top level of a test file.
 */
export function useAgentProcesses(): AgentProcesses {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  const launch = async (env: NodeJS.ProcessEnv): Promise<AgentProcess> => {
    const child = startDriveup(['agent', '--json'], env);
    children.push(child);
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    await waitForLine(child, /"pid"/);
    const paths = resolvePaths({ env });
    const client = createSocketClient<AppRouter>(paths.socketPath);
    return {
      env,
      paths,
      client,
      child,
      exited,
      event: await recordEvents(client, child),
      next: (type, accept) => nextEvent(client, type, accept),
      collect: (type) => collectEvents(client, type),
    };
  };
  return {
    launch,
    async start(fake, home, options = {}) {
      if (options.settings) {
        await writeFile(join(home, 'settings.json'), JSON.stringify(options.settings));
      }
      const env = fakeGoogleEnv(fake.url, home);
      const agent = await launch(env);
      if (options.signIn !== false) await signInWithCli(env);
      return agent;
    },
  };
}

interface Waiter {
  type: string;
  accept: (data: unknown) => boolean;
  resolve: (data: unknown) => void;
}

/** Subscribes once, records every event, and answers waits from the record and what follows. */
async function recordEvents(client: AgentClient, child: ChildProcess) {
  const events: Array<{ type: string; data: unknown }> = [];
  let waiters: Waiter[] = [];
  const started = Promise.withResolvers<void>();
  const subscription = client.events.subscribe(
    {},
    {
      onStarted: () => started.resolve(),
      onData: ({ data: event }) => {
        events.push(event);
        waiters = waiters.filter((w) => {
          if (w.type !== event.type || !w.accept(event.data)) return true;
          w.resolve(event.data);
          return false;
        });
      },
      onError: (error) => started.reject(error),
    },
  );
  child.once('exit', () => subscription.unsubscribe());
  await started.promise;
  return <K extends keyof AgentEvents>(
    type: K,
    accept: (data: AgentEvents[K]) => boolean = () => true,
  ): Promise<AgentEvents[K]> => {
    const seen = events.find((e) => e.type === type && accept(e.data as AgentEvents[K]));
    if (seen) return Promise.resolve(seen.data as AgentEvents[K]);
    return new Promise((resolve) =>
      waiters.push({
        type,
        accept: accept as (data: unknown) => boolean,
        resolve: resolve as (data: unknown) => void,
      }),
    );
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
