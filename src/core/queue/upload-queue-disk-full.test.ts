import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/queue/manual-clock.ts';
import { useQueueRig } from '../../../test/support/queue/queue-harness.ts';
import { gate, stallAfter } from '../../../test/support/queue/test-uploader.ts';
import { mountPointOf } from '../store/disk-full.ts';

const rig = useQueueRig();

describe('UploadQueue on a full disk', () => {
  it('pauses instead of failing, loses nothing queued, and resumes once a write succeeds', async () => {
    const clock = new ManualClock();
    const r = await rig({ clock, concurrency: 1, waitDelayMs: { initial: 1000, max: 4000 } });
    const early = await Promise.all([1, 2, 3].map((i) => r.file(`early-${i}.bin`)));
    const queued = await r.queue.enqueue(
      early.map((path) => ({ path, folderPath: 'D', source: 'cli' as const })),
    );
    const reached = gate();
    r.uploader.script(stallAfter('https://upload.test/early-1', 4, reached));
    await r.queue.start();
    await reached.opened;
    const burst = await Promise.all(
      Array.from({ length: 300 }, (_, i) => r.file(`burst-${i}.bin`)),
    );
    // SQLite's cap on the file (this connection only): no page more, a full disk on demand.
    const pages = (r.db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    r.db.exec(`PRAGMA max_page_count = ${pages}`);
    const paused = r.next('queue.paused');
    const handedBack = r.next('job.queued', ({ job }) => job.id === queued[0]!.id);

    await expect(
      r.queue.enqueue(burst.map((path) => ({ path, folderPath: 'D', source: 'cli' as const }))),
    ).rejects.toMatchObject({
      name: 'DiskFullError',
      message: `Nothing was queued. Disk full: free space on ${mountPointOf(r.dbFile)} (holding ${r.dbFile}); uploads continue by themselves once DriveUp can write again`,
    });

    expect(await paused).toEqual({
      pause: { kind: 'disk-full', path: r.dbFile, mount: mountPointOf(r.dbFile) },
    });
    expect(r.queue.pauseKind).toBe('disk-full');
    // The upload under way stops too, keeping what Drive confirmed.
    expect((await handedBack).job).toMatchObject({ state: 'queued', confirmedBytes: 4 });
    expect(r.queue.counts()).toMatchObject({ queued: 3, running: 0, failed: 0 });

    // Still full at the first probe: the wait goes on.
    const probedAgain = clock.nextTimer();
    clock.advance(1000);
    await probedAgain;
    expect(r.queue.pauseKind).toBe('disk-full');

    r.db.exec(`PRAGMA max_page_count = ${pages * 100}`);
    const resumed = r.next('queue.resumed');
    clock.advance(2000);
    await resumed;
    await r.idle();
    expect(r.queue.counts()).toMatchObject({ done: 3, failed: 0 });
    expect(r.uploader.requests.at(1)).toMatchObject({
      jobId: queued[0]!.id,
      resume: { sessionUri: 'https://upload.test/early-1', confirmedBytes: 4 },
    });
  });
});
