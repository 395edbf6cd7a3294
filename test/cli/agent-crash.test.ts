import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { AgentEvents } from '../../src/core/agent-events.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import {
  runDriveup,
  signInWithCli,
  startDriveup,
  waitForLine,
} from '../support/driveup-process.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

const KIB = 1024;
const CHUNK = 256 * KIB;
const tempDir = useTempDir();
let fake: FakeGoogle;
const agents: ChildProcess[] = [];

beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  for (const agent of agents.splice(0)) {
    if (agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGKILL');
      await once(agent, 'exit');
    }
  }
  await fake.close();
});

interface Home {
  env: NodeJS.ProcessEnv;
  client: ReturnType<typeof createSocketClient<AppRouter>>;
}

/** A signed-in agent's home with small chunks, so that a file is many of them. */
async function signedInHome(): Promise<Home> {
  const home = await tempDir();
  await writeFile(
    join(home, 'settings.json'),
    JSON.stringify({ uploads: { chunkSizeBytes: CHUNK, concurrency: 3 } }),
  );
  const env = fakeGoogleEnv(fake.url, home);
  await startAgent(env);
  await signInWithCli(env);
  return { env, client: createSocketClient<AppRouter>(resolvePaths({ env }).socketPath) };
}

async function startAgent(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const agent = startDriveup(['agent', '--json'], env);
  agents.push(agent);
  await waitForLine(agent, /"pid"/);
  return agent;
}

/** SIGKILLs the running agent at the first event `when` accepts: no clean stop, no last commit. */
async function killAgentWhen(
  { client }: Home,
  when: (type: string, data: unknown) => boolean,
): Promise<void> {
  const agent = agents.at(-1)!;
  await new Promise<void>((resolve, reject) => {
    const subscription = client.events.subscribe(
      {},
      {
        onData: ({ data: event }) => {
          if (!when(event.type, event.data)) return;
          agent.kill('SIGKILL');
          subscription.unsubscribe();
          resolve();
        },
        onError: reject,
      },
    );
  });
  await once(agent, 'exit');
}

async function writeRandom(dir: string, name: string, size: number) {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, name, size, md5: createHash('md5').update(bytes).digest('hex') };
}

/** `add --wait` again after the restart: the same files are the same jobs, waited for to the end. */
async function addAndWait(env: NodeJS.ProcessEnv, paths: string[]) {
  const result = await runDriveup(['add', ...paths, '--to', 'Crash', '--wait', '--json'], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (
    JSON.parse(result.stdout) as {
      jobs: Array<{ id: string; state: string; driveFileId: string | null }>;
    }
  ).jobs;
}

function storedFiles() {
  return fake.files().filter((f) => f.mimeType !== FOLDER_MIME);
}

/**
 * The headless agent as installed, killed with SIGKILL (a crash, the OOM killer, a power button)
 * and started again: every file reaches Drive once, intact, and nothing confirmed is sent again.
 */
describe('the agent killed with SIGKILL and started again', () => {
  it('mid-file: resumes the session and sends again at most the chunk that was in flight', async () => {
    const home = await signedInHome();
    // Over the 5 MiB that go in one request.
    const file = await writeRandom(await tempDir(), 'scan.tif', 6 * 1024 * KIB + 123);
    // Slow enough that the kill lands with most of the file still to send.
    fake.setBandwidth(4 * 1024 * KIB);
    const added = await runDriveup(['add', file.path, '--to', 'Crash', '--json'], home.env);
    expect(added.code).toBe(0);

    await killAgentWhen(home, (type, data) => {
      const progress = data as AgentEvents['job.progress'];
      return type === 'job.progress' && progress.confirmedBytes >= 2 * CHUNK;
    });
    expect(storedFiles()).toHaveLength(0);

    fake.setBandwidth(null);
    await startAgent(home.env);
    const [job] = await addAndWait(home.env, [file.path]);

    expect(job?.state).toBe('done');
    expect(storedFiles().map((f) => [f.name, f.md5Checksum, f.id])).toEqual([
      [file.name, file.md5, job?.driveFileId],
    ]);
    expect(fake.bytesReceived() - file.size).toBeLessThanOrEqual(CHUNK);
  });

  it('mid-burst: every file of the burst is in Drive once, none lost, none doubled', async () => {
    const home = await signedInHome();
    const dir = join(await tempDir(), 'burst');
    await mkdir(dir);
    const files = [];
    for (let i = 0; i < 40; i++) files.push(await writeRandom(dir, `frame-${i}.exr`, 20 * KIB));
    fake.setLatency(20);
    const paths = files.map((f) => f.path);
    const added = await runDriveup(['add', ...paths, '--to', 'Crash', '--json'], home.env);
    expect(added.code).toBe(0);

    let done = 0;
    await killAgentWhen(home, (type) => type === 'job.done' && ++done === 10);
    expect(storedFiles().length).toBeLessThan(files.length);

    fake.setLatency(0);
    await startAgent(home.env);
    const jobs = await addAndWait(home.env, paths);

    expect(jobs.map((j) => j.state)).toEqual(files.map(() => 'done'));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(files.length);
    expect(
      storedFiles()
        .map((f) => [f.name, f.md5Checksum])
        .sort(),
    ).toEqual(files.map((f) => [f.name, f.md5]).sort());
  });
});
