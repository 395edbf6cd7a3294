import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { useQueueRig, type QueueRig } from '../../../test/support/queue/queue-harness.ts';
import { blockUntil, gate } from '../../../test/support/queue/test-uploader.ts';
import type { Job } from './job.ts';
import { LEASE_AHEAD } from './claim-leases.ts';

const rig = useQueueRig();

async function backlog(r: QueueRig, n: number): Promise<Job[]> {
  const paths = await Promise.all(Array.from({ length: n }, (_, i) => r.file(`f${i}.bin`)));
  return r.queue.enqueue(paths.map((path) => ({ path, folderPath: 'D', source: 'watch' })));
}

/** Job ids leased, as another connection sees them: only what is committed. */
function leasedIds(dbFile: string): string[] {
  const reader = new DatabaseSync(dbFile, { readOnly: true });
  try {
    const rows = reader.prepare('SELECT id FROM jobs WHERE leased = 1 ORDER BY seq').all();
    return rows.map((row) => row.id as string);
  } finally {
    reader.close();
  }
}

const maybeCreatedOf = (r: QueueRig, jobId: string) =>
  r.uploader.requests.filter((q) => q.jobId === jobId).map((q) => Boolean(q.maybeCreated));

describe('UploadQueue: claim leases', () => {
  it('commits the leases of the next jobs before the first upload starts', async () => {
    const r = await rig({ concurrency: 1 });
    const jobs = await backlog(r, LEASE_AHEAD + 4);
    let leasedAtFirstUpload: string[] = [];
    r.uploader.script(async (request) => {
      leasedAtFirstUpload = leasedIds(r.dbFile);
      return r.uploader.store(request);
    });

    await r.queue.start();
    await r.idle();

    expect(leasedAtFirstUpload).toEqual(jobs.slice(1, 1 + LEASE_AHEAD).map((j) => j.id));
    // Claiming used each lease up; jobs leased by this process were sent without a lookup.
    expect(leasedIds(r.dbFile)).toEqual([]);
    expect(r.uploader.requests.map((q) => Boolean(q.maybeCreated))).toEqual(jobs.map(() => false));
    expect(r.queue.counts().done).toBe(jobs.length);
  });

  it('after a crash, a leased job counts as possibly sent: its Drive file is looked for first', async () => {
    const r = await rig({ concurrency: 1 });
    const [first, second, third] = await backlog(r, 3);
    r.uploader.script(blockUntil(gate(), r.uploader.store));
    await r.queue.start();
    await r.uploader.whenInFlight(1);

    // A power cut can undo the claims made under a lease (they skip the fsync); what survives for
    // sure is the lease: that state is what the next process finds for the jobs after the first.
    const after = r.afterCrash();
    expect(leasedIds(r.dbFile)).toEqual([second!.id, third!.id]);
    await after.queue.start();
    await after.idle();

    expect(maybeCreatedOf(r, first!.id)).toEqual([false, true]);
    expect(maybeCreatedOf(r, second!.id)).toEqual([true]);
    expect(maybeCreatedOf(r, third!.id)).toEqual([true]);
  });

  it('a clean stop gives back unused leases: after a restart those jobs need no lookup', async () => {
    const r = await rig({ concurrency: 1 });
    const [first, second, third] = await backlog(r, 3);
    r.uploader.script(blockUntil(gate(), r.uploader.store));
    await r.queue.start();
    await r.uploader.whenInFlight(1);

    const again = await r.reopen();
    expect(leasedIds(r.dbFile)).toEqual([]);
    await again.queue.start();
    await again.idle();

    // The first was cut short mid-upload, so it still counts as possibly sent.
    expect(maybeCreatedOf(r, first!.id)).toEqual([false, true]);
    expect(maybeCreatedOf(r, second!.id)).toEqual([false]);
    expect(maybeCreatedOf(r, third!.id)).toEqual([false]);
  });
});

describe('UploadQueue: read-ahead and slots', () => {
  it('names the next jobs in line to the uploader, once each, none with a session to resume', async () => {
    const r = await rig({ concurrency: 1 });
    const jobs = await backlog(r, 4);
    r.db
      .prepare("UPDATE jobs SET session_uri = 'https://upload.test/s' WHERE id = ?")
      .run(jobs[2]!.id);

    await r.queue.start();
    await r.idle();

    expect(r.uploader.hints.map((h) => h.jobId)).toEqual([jobs[1]!.id, jobs[3]!.id]);
    expect(r.uploader.hints[0]).toEqual({
      jobId: jobs[1]!.id,
      path: jobs[1]!.path,
      name: jobs[1]!.name,
      expected: { size: jobs[1]!.size, mtimeMs: jobs[1]!.mtimeMs },
      scope: { foundIn: null, followLinks: true },
    });
  });

  it('names each job four claims ahead of its own', async () => {
    const r = await rig({ concurrency: 1 });
    const jobs = await backlog(r, 6);
    let namedBeforeSecond: string[] = [];
    r.uploader.script(r.uploader.store, async (request) => {
      namedBeforeSecond = r.uploader.hints.map((h) => h.jobId);
      return r.uploader.store(request);
    });

    await r.queue.start();
    await r.idle();

    // With a lead of four claims, a small file's reads are done by the time its slot frees.
    expect(namedBeforeSecond).toEqual(jobs.slice(1, 5).map((job) => job.id));
  });

  it('starts the next upload as soon as one ends, not a timer later', async () => {
    const r = await rig({ concurrency: 1 });
    await backlog(r, 2);
    let timerFired = false;
    let timerFiredAtSecond: boolean | undefined;
    r.uploader.script(
      async (request) => {
        const result = await r.uploader.store(request);
        setTimeout(() => (timerFired = true), 0);
        return result;
      },
      async (request) => {
        timerFiredAtSecond = timerFired;
        return r.uploader.store(request);
      },
    );

    await r.queue.start();
    await r.idle();

    expect(timerFiredAtSecond).toBe(false);
  });
});
