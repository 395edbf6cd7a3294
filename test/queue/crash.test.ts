import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/queue/job.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { ChildQueue, type ChildLine } from '../support/queue/child-queue.ts';
import { useTempDir } from '../support/temp-dir.ts';

const KIB = 1024;
const tempDir = useTempDir();
let fake: FakeGoogle;
const children: ChildQueue[] = [];

beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  await fake.close();
});

interface Setup {
  env: Record<string, string>;
  files: Array<{ name: string; md5: string }>;
}

/** Three files: one sent in a single request, two in 256 KiB chunks (3 and 5 of them). */
async function setup(): Promise<Setup> {
  const dir = await tempDir();
  const sizes = { 'note.txt': 40 * KIB, 'scan.tif': 700 * KIB, 'video.mp4': 1200 * KIB };
  const files = [];
  for (const [name, size] of Object.entries(sizes)) {
    const bytes = randomBytes(size);
    await writeFile(join(dir, name), bytes);
    files.push({ name, md5: createHash('md5').update(bytes).digest('hex') });
  }
  const env = {
    QUEUE_DB: join(dir, 'driveup.db'),
    QUEUE_FILES: JSON.stringify(files.map((f) => join(dir, f.name))),
    FAKE_GOOGLE_URL: fake.url,
    FAKE_GOOGLE_TOKENS: JSON.stringify(fake.issueTokens()),
  };
  return { env, files };
}

function run(setup: Setup, holdAt?: string): ChildQueue {
  const child = new ChildQueue({
    ...setup.env,
    ...(holdAt ? { QUEUE_HOLD_AT: holdAt } : {}),
  });
  children.push(child);
  return child;
}

/** Runs the queue until it freezes at `holdAt`, then kills it there. */
async function killAt(s: Setup, holdAt: string): Promise<ChildLine> {
  const child = run(s, holdAt);
  const held = await child.waitFor((line) => line.hold === true);
  await child.kill();
  return held;
}

/** Runs the queue to the end and checks the promise: each file in Drive once, intact, done. */
async function finishAndCheck(s: Setup): Promise<void> {
  const child = run(s);
  const idle = await child.waitFor((line) => line.point === 'idle');
  expect(await child.exited).toBe(0);

  const jobs = idle.jobs as Job[];
  expect(idle.counts).toMatchObject({ queued: 0, running: 0, retrying: 0, failed: 0 });
  expect(jobs.map((j) => [j.name, j.state, j.md5])).toEqual(
    s.files.map((f) => [f.name, 'done', f.md5]),
  );
  const stored = fake.files().filter((f) => !f.mimeType.endsWith('folder'));
  expect(stored.map((f) => [f.name, f.md5Checksum]).sort()).toEqual(
    s.files.map((f) => [f.name, f.md5]).sort(),
  );
  expect(stored.map((f) => f.id).sort()).toEqual(jobs.map((j) => j.driveFileId).sort());
}

describe('the upload queue killed with SIGKILL and restarted', () => {
  it.each([
    ['after the job is marked running, before anything is sent', 'started:video.mp4'],
    ['after the session is persisted, before the first chunk', 'session:video.mp4'],
    ['mid-file, after a confirmed chunk', 'confirmed:video.mp4'],
    ['after the last chunk, before success is committed', 'finishing:video.mp4'],
    ['after a single-request upload, before success is committed', 'finishing:note.txt'],
  ])('%s', async (_, holdAt) => {
    const s = await setup();
    const held = await killAt(s, holdAt);
    expect(held).toMatchObject({ point: holdAt.split(':')[0], name: holdAt.split(':')[1] });

    await finishAndCheck(s);
  });

  it('survives being killed again and again at every point', async () => {
    const s = await setup();
    // One upload at a time, so each point is still ahead when its run begins.
    s.env.QUEUE_CONCURRENCY = '1';
    for (const holdAt of [
      'started:note.txt',
      'finishing:note.txt',
      'session:scan.tif',
      'confirmed:scan.tif',
      'confirmed:scan.tif',
      'finishing:scan.tif',
      'started:video.mp4',
      'confirmed:video.mp4',
      'finishing:video.mp4',
    ]) {
      await killAt(s, holdAt);
    }
    await finishAndCheck(s);
  });
});
