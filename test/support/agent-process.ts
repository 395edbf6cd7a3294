import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { resolvePaths, type DriveUpPaths } from '../../src/core/config/paths.ts';
import type { AgentEventView } from '../../src/ipc/server/event-views.ts';

/** The events as the API delivers them (views), by type. */
type AgentEvents = { [E in AgentEventView as E['type']]: E['data'] };
import type { AppRouter } from '../../src/ipc/app-router.ts';
import { createSocketClient } from '../../src/ipc/socket-client.ts';
import { signInWithCli, startDriveup, waitForLine } from './driveup-process.ts';
import type { FakeGoogle } from './fake-google/index.ts';
import { fakeGoogleEnv } from './fake-google-env.ts';

export type AgentClient = ReturnType<typeof createSocketClient<AppRouter>>;

/** `driveup agent` as installed, in its own process, with a client on its socket. */
export interface AgentProcess {
  env: NodeJS.ProcessEnv;
  home: string;
  paths: DriveUpPaths;
  client: AgentClient;
  child: ChildProcess;
  /**
   * Resolves with the first event of `type` that `accept` takes, among every event since the agent
   * started (they are all recorded, so none can slip by between an action and the wait for it).
   */
  event<K extends keyof AgentEvents>(
    type: K,
    accept?: (data: AgentEvents[K]) => boolean,
  ): Promise<AgentEvents[K]>;
}

/**
 * Agents started by a test file, SIGKILLed after each test if still running. Call at the top
 * level of a test file.
 */
export function useAgentProcesses(): {
  start(
    fake: FakeGoogle,
    home: string,
    options?: { settings?: object; signIn?: boolean },
  ): Promise<AgentProcess>;
} {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
  return {
    async start(fake, home, options = {}) {
      if (options.settings) {
        await writeFile(join(home, 'settings.json'), JSON.stringify(options.settings));
      }
      const env = fakeGoogleEnv(fake.url, home);
      const child = startDriveup(['agent', '--json'], env);
      children.push(child);
      await waitForLine(child, /"pid"/);
      const paths = resolvePaths({ env });
      const client = createSocketClient<AppRouter>(paths.socketPath);
      const recorder = await recordEvents(client, child);
      if (options.signIn !== false) await signInWithCli(env);
      return { env, home, paths, client, child, event: recorder };
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
