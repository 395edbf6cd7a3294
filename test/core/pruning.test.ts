import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events/event-bus.ts';
import type { AgentEvents } from '../../src/core/agent-events.ts';
import { recordFromJob } from '../../src/core/history/history-record.ts';
import { LocalHistory } from '../../src/core/history/local-history.ts';
import { fingerprintOf } from '../../src/core/queue/fingerprint.ts';
import type { Job } from '../../src/core/queue/job.ts';
import { JobStore } from '../../src/core/queue/job-store.ts';
import { UploadQueue } from '../../src/core/queue/upload-queue.ts';
import { openAgentDatabase as openDatabase } from '../../src/core/migrations.ts';
import { Pruner, type PruningPolicy } from '../../src/core/pruner.ts';
import type { WatchRuleInput } from '../../src/core/watch/watch-rules.ts';
import { WatchService } from '../../src/core/watch/watch-service.ts';
import { TestUploader } from '../support/queue/test-uploader.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const DAY_MS = 86_400_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The watcher, the real queue (its uploader stores into a folder) and one database file. */
async function setUp() {
  const top = await tempDir();
  const folder = join(top, 'watched');
  const dataDir = join(top, 'data');
  await mkdir(folder);
  await mkdir(join(top, 'drive'));
  await mkdir(dataDir);
  const db = openDatabase(join(dataDir, 'driveup.db'));
  const bus = new EventBus<AgentEvents>();
  const uploader = new TestUploader(join(top, 'drive'));
  const queue = new UploadQueue({ db, bus, uploader, concurrency: 2 });
  await queue.start();
  const make = () =>
    new WatchService({
      db,
      sink: {
        enqueue: async (items) => (await queue.enqueue(items)).map((j) => ({ jobId: j.id })),
      },
      machineName: 'lab-pc',
      protectedDirs: [dataDir],
      events: bus,
      rescanIntervalMs: 600_000,
      folderPollMs: 100,
    });
  // As the agent does: the journal entry commits with the job that finished (UploadQueue.finishing).
  queue.finishing.add(({ job }) => {
    if (job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled') return;
    void rig.service.handleJobOutcome(`job.${job.state}`, job);
  });
  const rig = {
    db,
    folder,
    uploader,
    service: make(),
    /** A new watch service on the same database, as after a restart of DriveUp. */
    async restart() {
      await rig.stop();
      await rig.service.start();
    },
    /** Stopped, and a new watch service made (not started) on the same database. */
    async stop(meanwhile?: () => Promise<void>) {
      await rig.service.stop();
      await meanwhile?.();
      rig.service = make();
    },
    async addRule(input: Partial<WatchRuleInput> = {}) {
      const { rule } = await rig.service.addRule({ folder, stabilityWindowMs: 100, ...input });
      return rule.id;
    },
    doneJobs(count: number) {
      return new Promise<void>((resolve) => {
        let seen = 0;
        const off = bus.on('job.done', () => {
          if (++seen < count) return;
          off();
          resolve();
        });
      });
    },
    /** A full rescan and everything it sent to the stability gate settled. */
    async settle() {
      await rig.service.rescan();
      await rig.service.whenIdle();
    },
    /** Jobs queued or under way: a file offered again and queued would be one of them. */
    waiting() {
      const counts = queue.counts();
      return counts.queued + counts.running + counts.retrying;
    },
    pruner(now = Date.now(), policy: Partial<PruningPolicy> = {}) {
      return new Pruner({
        db,
        jobsStillNeeded: (jobs) => rig.service.jobsStillNeeded(jobs),
        forgetMissingFiles: (before) => rig.service.forgetMissing(before),
        now: () => now,
        policy,
      });
    },
    journal: () =>
      (
        db.prepare('SELECT path FROM watch_journal ORDER BY path').all() as Array<{
          path: string;
        }>
      ).map((row) => row.path),
  };
  await rig.service.start();
  cleanups.push(async () => {
    await rig.service.stop();
    await queue.stop();
    db.close();
  });
  return rig;
}

function jobPaths(db: DatabaseSync): string[] {
  const rows = db.prepare('SELECT path FROM jobs ORDER BY path').all() as Array<{ path: string }>;
  return rows.map((row) => row.path);
}

describe('pruning: finished jobs', () => {
  it('removes finished jobs past the age or count limit, never a waiting one, and keeps every history record', async () => {
    const dir = await tempDir();
    const db = openDatabase(join(dir, 'driveup.db'));
    cleanups.push(async () => db.close());
    const now = Date.now();
    const store = new JobStore(db);
    const history = new LocalHistory(db);
    const add = (name: string, state: Job['state'], daysAgo: number) => {
      const at = new Date(now - daysAgo * DAY_MS);
      const job = jobOf(join(dir, name), state, state === 'queued' ? null : at);
      store.insert(job, fingerprintOf(job));
      if (job.finishedAt)
        history.insert(recordFromJob(job, { machineName: 'pc', accountEmail: null }));
    };
    add('old-done', 'done', 40);
    add('old-failed', 'failed', 35);
    add('old-cancelled', 'cancelled', 31);
    add('old-but-waiting', 'queued', 60);
    add('recent-done', 'done', 2);
    add('newest-done', 'done', 1);

    expect(await new Pruner({ db, now: () => now }).prune()).toEqual({
      finishedJobs: 3,
      missingFiles: 0,
    });
    expect(jobPaths(db).map((p) => p.slice(dir.length + 1))).toEqual([
      'newest-done',
      'old-but-waiting',
      'recent-done',
    ]);
    // Beyond the newest N finished ones, age does not matter.
    await new Pruner({ db, now: () => now, policy: { finishedJobRows: 1 } }).prune();
    expect(jobPaths(db).map((p) => p.slice(dir.length + 1))).toEqual([
      'newest-done',
      'old-but-waiting',
    ]);
    expect(history.count()).toBe(5);
  });
});

describe('pruning: nothing is uploaded twice', () => {
  it('keeps an old job while it alone stops its file being uploaded again, and prunes it once the journal does', async () => {
    const rig = await setUp();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(rig.folder, name), name);
    const done = rig.doneJobs(3);
    await rig.addRule();
    await done;
    // The agent stopped after the queue took b.txt but before the journal said so; c.txt is gone.
    await rig.stop(async () => {
      rig.db.prepare("DELETE FROM watch_journal WHERE path = 'b.txt'").run();
      await rm(join(rig.folder, 'c.txt'));
      rig.db.prepare('UPDATE jobs SET finished_at = ?').run(Date.now() - 40 * DAY_MS);
    });

    // Pruned before the watcher starts, so that it cannot have offered b.txt again yet.
    expect((await rig.pruner().prune()).finishedJobs).toBe(2);
    expect(jobPaths(rig.db)).toEqual([join(rig.folder, 'b.txt')]);
    await rig.service.start();
    await rig.settle();
    // b.txt was offered again and the queue answered "already uploaded".
    expect(rig.waiting()).toBe(0);
    expect(rig.uploader.requests).toHaveLength(3);
    expect(rig.journal()).toContain('b.txt');

    expect((await rig.pruner().prune()).finishedJobs).toBe(1);
    await rig.restart();
    await rig.settle();
    expect(rig.waiting()).toBe(0);
    expect(rig.uploader.requests).toHaveLength(3);
  });
});

describe('pruning: the watch journal', () => {
  it('forgets files gone for the policy’s days, never present ones, returning ones or those under an emptied folder', async () => {
    const rig = await setUp();
    await mkdir(join(rig.folder, 'mnt'));
    const names = ['keep.txt', 'gone.txt', 'back.txt', 'mnt/x.txt'];
    for (const name of names) await writeFile(join(rig.folder, name), `content of ${name}`);
    const done = rig.doneJobs(names.length);
    await rig.addRule();
    await done;
    const back = await stat(join(rig.folder, 'back.txt'));
    const mounted = await stat(join(rig.folder, 'mnt/x.txt'));
    await rm(join(rig.folder, 'gone.txt'));
    await rm(join(rig.folder, 'back.txt'));
    // What an unmounted disk leaves: its mount point, empty.
    await rm(join(rig.folder, 'mnt/x.txt'));
    await rig.settle();
    await writeFile(join(rig.folder, 'back.txt'), 'content of back.txt');
    await utimes(join(rig.folder, 'back.txt'), back.atimeMs / 1000, back.mtimeMs / 1000);
    await rig.settle();

    expect((await rig.pruner(Date.now() + 29 * DAY_MS).prune()).missingFiles).toBe(0);
    const report = await rig.pruner(Date.now() + 31 * DAY_MS).prune();
    expect(report).toEqual({ finishedJobs: 4, missingFiles: 1 });
    expect(rig.journal()).toEqual(['back.txt', 'keep.txt', 'mnt/x.txt']);

    // The disk is back: with no job left, the journal alone keeps its file from going again.
    await writeFile(join(rig.folder, 'mnt/x.txt'), 'content of mnt/x.txt');
    await utimes(join(rig.folder, 'mnt/x.txt'), mounted.atimeMs / 1000, mounted.mtimeMs / 1000);
    await rig.restart();
    await rig.settle();
    expect(rig.waiting()).toBe(0);
    expect(rig.uploader.requests).toHaveLength(names.length);
    expect(await readFile(join(rig.folder, 'mnt/x.txt'), 'utf8')).toBe('content of mnt/x.txt');
  });

  it('forgets files its own after-upload action deleted, though their folder is empty', async () => {
    const rig = await setUp();
    await writeFile(join(rig.folder, 'scan.pdf'), 'scanned');
    const done = rig.doneJobs(1);
    await rig.addRule({ afterUpload: { action: 'delete' } });
    await done;
    await rig.restart();
    await rig.settle();
    await expect(stat(join(rig.folder, 'scan.pdf'))).rejects.toThrow();

    expect((await rig.pruner(Date.now() + 29 * DAY_MS).prune()).missingFiles).toBe(0);
    expect((await rig.pruner(Date.now() + 31 * DAY_MS).prune()).missingFiles).toBe(1);
    expect(rig.journal()).toEqual([]);
  });
});

function jobOf(
  path: string,
  state: Job['state'],
  finishedAt: Date | null,
): Job & {
  folderPath: string;
} {
  const at = finishedAt ?? new Date();
  return {
    id: `job-${path}`,
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    size: 1,
    mtimeMs: 1,
    md5: null,
    mimeType: 'text/plain',
    folderPath: 'Pruned',
    source: 'cli',
    ruleId: null,
    foundIn: null,
    followLinks: false,
    conflictPolicy: 'keep-both',
    priority: 1,
    state,
    attempts: state === 'queued' ? 0 : 1,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    sessionUri: null,
    confirmedBytes: 0,
    driveFileId: null,
    webViewLink: null,
    queuedAt: at,
    startedAt: finishedAt,
    finishedAt,
    updatedAt: at,
  };
}
