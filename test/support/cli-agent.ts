import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signInWithCli, startDriveup, waitForLine } from './driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.ts';
import { fakeGoogleEnv } from './fake-google-env.ts';

export interface CliAgent {
  fake: FakeGoogle;
  home: string;
  /** The environment every `driveup` command of the test runs with. */
  env: NodeJS.ProcessEnv;
  /** Stops the agent (SIGTERM, waits for its exit); `start()` runs it again on the same home. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `driveup agent` in its own process against its own fake Google, in a fresh home (named
 * `homeName` inside a temporary directory, when a test needs a particular name), signed in
 * with `driveup signin --no-browser` unless `signedIn` is false.
 */
export async function startCliAgent(
  options: { signedIn?: boolean; homeName?: string } = {},
): Promise<CliAgent> {
  const fake = await startFakeGoogle();
  const root = await mkdtemp(join(tmpdir(), 'du-'));
  const home = options.homeName ? join(root, options.homeName) : root;
  const env = fakeGoogleEnv(fake.url, home);
  let agent: ChildProcess | undefined;
  const start = async () => {
    agent = startDriveup(['agent', '--json'], env);
    await waitForLine(agent, /"pid"/);
  };
  const stop = async () => {
    if (!agent || agent.exitCode !== null) return;
    const exited = once(agent, 'exit');
    agent.kill('SIGTERM');
    await exited;
  };
  await start();
  if (options.signedIn !== false) await signInWithCli(env);
  return {
    fake,
    home,
    env,
    start,
    stop,
    async close() {
      await stop();
      await fake.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
