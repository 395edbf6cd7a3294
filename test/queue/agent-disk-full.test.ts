import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { openAgentDatabase } from '../../src/core/migrations.ts';
import { useAgentProcesses, type AgentProcess } from '../support/agent-process.ts';
import { signInWithCli } from '../support/driveup-process.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const { launch: startAgent } = useAgentProcesses();
let fake: FakeGoogle;

beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await fake.close();
});

async function burstOf(count: number): Promise<string[]> {
  const dir = join(await tempDir(), 'burst');
  await mkdir(dir);
  const paths = [];
  for (let i = 0; i < count; i++) {
    paths.push(join(dir, `frame-${String(i).padStart(4, '0')}-named-as-instruments-name-them.dat`));
  }
  await Promise.all(paths.map((path, i) => writeFile(path, `frame ${i}\n`)));
  return paths;
}

/** Adds in batches at once, as several scripts or a watch backlog would; the answers as they come. */
function addAtOnce(agent: AgentProcess, paths: string[], batch: number) {
  const batches = [];
  for (let i = 0; i < paths.length; i += batch) batches.push(paths.slice(i, i + batch));
  return Promise.allSettled(
    batches.map((chunk) => agent.client.queue.add.mutate({ paths: chunk, folder: 'Burst' })),
  );
}

function uploadedNames(): string[] {
  return fake
    .files()
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .map((f) => f.name)
    .sort();
}

/**
 * The agent whose disk fills up during a burst of adds: it keeps running and answering, says which
 * disk to free, loses nothing it had accepted, and carries on by itself once there is room.
 */
async function ridesOutAFullDisk(
  env: NodeJS.ProcessEnv,
  fillDisk: () => Promise<void>,
  freeDisk: () => Promise<void>,
  where: RegExp,
) {
  const agent = await startAgent(env);
  await signInWithCli(env);
  const [first, ...rest] = await burstOf(400);
  await agent.client.queue.add.mutate({ paths: [first!], folder: 'Burst' });
  const paused = await agent.next('queue.paused', (p) => p.kind === 'disk-full');
  await fillDisk();

  const answers = await addAtOnce(agent, rest, 50);

  const refused = answers.filter((a) => a.status === 'rejected');
  expect(refused.length).toBeGreaterThan(0);
  for (const answer of refused) {
    expect(String((answer as PromiseRejectedResult).reason)).toMatch(/Disk full: free space on/);
  }
  expect((await paused()).reason).toMatch(where);
  const status = await agent.client.agent.status.query();
  expect(status.queue).toMatchObject({ paused: true, pauseKind: 'disk-full' });
  expect(agent.child.exitCode).toBeNull();

  const resumed = await agent.next('queue.resumed');
  await freeDisk();
  await resumed();
  const done = await agent.collect('job.done');
  const again = await addAtOnce(agent, [first!, ...rest], 50);
  const jobs = again.flatMap((a) => (a.status === 'fulfilled' ? a.value.jobs : []));
  expect(jobs).toHaveLength(rest.length + 1);
  const pending = jobs.filter((job) => job.state !== 'done').map((job) => job.id);
  await done.until((items) => pending.every((id) => items.some((d) => d.job.id === id)));
  done.stop();
  expect(uploadedNames()).toEqual([first!, ...rest].map((p) => basename(p)).sort());
  return agent;
}

describe('the agent when its disk fills up', { timeout: 90_000 }, () => {
  it('at the database (SQLite at its page limit): pauses, keeps serving, resumes when room is made', async () => {
    const home = await tempDir();
    const env = fakeGoogleEnv(fake.url, home);
    const { databaseFile } = resolvePaths({ env });
    // Ballast in the agent's own database, then a cap on its size: deleting the ballast is what
    // freeing the disk is, without root or a small file system.
    const db = openAgentDatabase(databaseFile);
    db.exec('CREATE TABLE ballast (bytes BLOB NOT NULL) STRICT');
    db.prepare('INSERT INTO ballast VALUES (zeroblob(2000000))').run();
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.close();

    await ridesOutAFullDisk(
      { ...env, DRIVEUP_DATABASE_MAX_PAGES: String(pages + 40) },
      async () => {},
      async () => {
        const other = new DatabaseSync(databaseFile, { timeout: 5000 });
        other.exec('DELETE FROM ballast');
        other.close();
      },
      /^Disk full: free space on /,
    );
  });

  it.skipIf(!canMountTmpfs)(
    'on a real 16 MB file system (tmpfs): pauses, names the disk, resumes when a file is deleted',
    async () => {
      const mount = await tempDir();
      mountTmpfs(mount, '16m');
      mounted.push(mount);
      const home = join(mount, 'home');
      const env = fakeGoogleEnv(fake.url, home);
      const ballast = join(mount, 'ballast.bin');

      await ridesOutAFullDisk(
        env,
        () => fillUp(ballast),
        () => rm(ballast),
        new RegExp(`^Disk full: free space on ${mount} \\(holding `),
      );
    },
  );
});

/** Mounting needs root (and a sandbox that allows it); without it the tmpfs test says why it skipped. */
const canMountTmpfs = probeMount();
const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) spawnSync('umount', ['-l', dir]);
});

function mountTmpfs(dir: string, size: string): void {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  if (result.status !== 0) throw new Error(`mount failed: ${result.stderr}`);
}

function probeMount(): boolean {
  const dir = join(tmpdir(), `du-mount-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) {
      console.warn('skipping the tmpfs test: this machine does not let the test mount a tmpfs');
      return false;
    }
    spawnSync('umount', [dir]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `file` until the file system has no room left. */
async function fillUp(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) await handle.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}
