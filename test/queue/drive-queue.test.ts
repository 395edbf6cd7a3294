import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events/event-bus.ts';
import type { AgentEvents } from '../../src/core/agent-events.ts';
import type { UploadQueueOptions } from '../../src/core/queue/upload-queue.ts';
import { UploadQueue } from '../../src/core/queue/upload-queue.ts';
import { openAgentDatabase } from '../../src/core/migrations.ts';
import { KIB, useDriveFixture, type LocalTestFile } from '../support/drive-fixtures.ts';
import { ManualClock } from '../support/queue/manual-clock.ts';
import { useTempDir } from '../support/temp-dir.ts';

const drive = useDriveFixture();
const tempDir = useTempDir();

/** The real queue over a real database and the real DriveUploader on the fake Google. */
async function realQueue(options: Partial<UploadQueueOptions> = {}) {
  const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
  const bus = new EventBus<AgentEvents>();
  const queue = new UploadQueue({
    db,
    bus,
    // A request left unanswered is given up after 5 s here (60 s in the product): the queue's
    // answer to it, another attempt, is what these tests are about, not the wait.
    uploader: drive.uploader({ multipartMaxBytes: 256 * KIB, requestTimeoutMs: 5000 }),
    concurrency: 3,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  /** Resolves once no job waits or runs; says where each job stands if that takes too long. */
  const idle = () =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const c = queue.counts();
        if (c.queued + c.running + c.retrying > 0) return;
        off();
        clearTimeout(late);
        resolve();
      };
      const off = bus.subscribe((e) => String(e.type).startsWith('job.') && check());
      const late = setTimeout(() => {
        off();
        const jobs = db.prepare('SELECT name, state, attempts, error FROM jobs').all();
        reject(new Error(`the queue is not idle after 25 s: ${JSON.stringify(jobs)}`));
      }, 25_000);
      check();
    });
  const close = async () => {
    await queue.stop();
    db.close();
  };
  const next = <K extends keyof AgentEvents>(type: K) =>
    new Promise<AgentEvents[K]>((resolve) => {
      const off = bus.on(type, (data) => {
        off();
        resolve(data);
      });
    });
  return { db, bus, queue, idle, close, next };
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function expectEachOnceInDrive(files: LocalTestFile[]): void {
  const stored = drive.fake.files().filter((f) => !f.mimeType.endsWith('folder'));
  expect(stored.map((f) => f.name).sort()).toEqual(files.map((f) => f.name).sort());
  for (const file of files) {
    expect(stored.find((f) => f.name === file.name)!.md5Checksum).toBe(md5(file.bytes));
  }
}

describe('UploadQueue with the Drive uploader', () => {
  it('uploads small and chunked files once each, keeping what Drive answered', async () => {
    const q = await realQueue();
    const files = await Promise.all([
      drive.file('small.txt', 10 * KIB),
      drive.file('medium.bin', 600 * KIB),
      drive.file('large.bin', 1100 * KIB),
      drive.file('empty.txt', 0),
    ]);
    const jobs = await q.queue.enqueue(
      files.map((f) => ({ path: f.path, folderPath: 'DriveUp/lab', source: 'drop' as const })),
    );
    await q.queue.start();
    await q.idle();

    expectEachOnceInDrive(files);
    for (const [i, job] of jobs.entries()) {
      expect(q.queue.get(job.id)).toMatchObject({
        state: 'done',
        size: files[i]!.size,
        md5: md5(files[i]!.bytes),
        driveFileId: expect.any(String),
        webViewLink: expect.stringContaining('http'),
        startedAt: expect.any(Date),
        finishedAt: expect.any(Date),
      });
    }
    await q.close();
  });

  it('rides out server errors and a reset mid-chunk without a second copy', async () => {
    const q = await realQueue();
    drive.fake.addFault({ path: '/upload/drive/v3/files', method: 'PUT', status: 503, times: 2 });
    drive.fake.addFault({ path: '/upload/drive/v3/files', method: 'PUT', resetAfterBytes: 1000 });
    drive.fake.addFault({ path: '/upload/drive/v3/files', uploadType: 'multipart', status: 500 });
    const files = [await drive.file('a.bin', 900 * KIB), await drive.file('b.txt', 5 * KIB)];
    await q.queue.enqueue(files.map((f) => ({ path: f.path, folderPath: 'D', source: 'drop' })));
    await q.queue.start();
    await q.idle();

    expectEachOnceInDrive(files);
    expect(q.queue.counts()).toMatchObject({ done: 2, failed: 0 });
    await q.close();
  });

  it('never fails a file through an hour of Google answering 503 to everything', async () => {
    const clock = new ManualClock();
    // The default policy (24 h window, waits capped at 5 min), on a clock the test moves.
    const q = await realQueue({ clock, retry: {} });
    drive.fake.addFault({ path: '/', status: 503, times: Infinity });
    const file = await drive.file('outage.bin', 300 * KIB);
    const failures: Array<AgentEvents['job.failed']> = [];
    let heard = () => {};
    q.bus.on('job.failed', (failure) => {
      failures.push(failure);
      heard();
    });
    const failure = async (n: number) => {
      while (failures.length < n) await new Promise<void>((resolve) => (heard = resolve));
      return failures[n - 1]!;
    };
    const t0 = clock.now();
    const [job] = await q.queue.enqueue([{ path: file.path, folderPath: 'D', source: 'watch' }]);
    await q.queue.start();

    let finished = false;
    const done = q.next('job.done').then(() => (finished = true));
    // Each failure: its retry comes at the time it was given, then the next one fails, and so on
    // for an hour; then Google answers again and the retry under way (or the next) succeeds.
    for (let n = 1; !finished; n++) {
      if (clock.now() - t0 >= 3600_000) drive.fake.clearFaults();
      await Promise.race([done, failure(n)]);
      if (finished) break;
      const { job: failed, willRetry } = failures[n - 1]!;
      if (!willRetry) break;
      const wait = failed.nextAttemptAt!.getTime() - clock.now();
      expect(wait).toBeLessThanOrEqual(5 * 60_000);
      clock.advance(Math.max(0, wait));
    }

    const outcomes = failures.map((f) => f.willRetry);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3600_000);
    expect(outcomes.length).toBeGreaterThan(10);
    expect(outcomes.every(Boolean)).toBe(true);
    expect(q.queue.get(job!.id)).toMatchObject({ state: 'done' });
    expectEachOnceInDrive([file]);
    await q.close();
  });

  it('finds the file an unanswered create made instead of uploading it again', async () => {
    const q = await realQueue();
    drive.fake.addFault({ path: '/upload/drive/v3/files', resetAfterCommit: true });
    const file = await drive.file('once.pdf', 20 * KIB);
    const [job] = await q.queue.enqueue([{ path: file.path, folderPath: 'D', source: 'cli' }]);
    await q.queue.start();
    await q.idle();

    expectEachOnceInDrive([file]);
    expect(q.queue.get(job!.id)!.state).toBe('done');
    await q.close();
  });
});

/**
 * While a slot's request waits for Drive's answer, the slot's next file is prepared (read, its
 * request built), so that it leaves as soon as the answer comes. Prepared is all it is: the job
 * stays `queued`, nothing of it reaches Drive before the slot frees, and a cancel or a pause in
 * between drops it.
 */
describe('UploadQueue with the Drive uploader: the next file prepared while a request is out', () => {
  /** One slot; each answer from Drive takes 500 ms, long enough to look at the queue meanwhile. */
  async function slowDriveQueue() {
    const uploader = drive.uploader({ multipartMaxBytes: 256 * KIB });
    const upload = uploader.upload.bind(uploader);
    const prepared = new Map<string, PromiseWithResolvers<void>>();
    const preparedFor = (path: string) => {
      if (!prepared.has(path)) prepared.set(path, Promise.withResolvers<void>());
      return prepared.get(path)!;
    };
    // The real uploader, told apart only in what it is asked: a prepared request waits for its slot.
    uploader.upload = (request) => {
      if (request.startAfter) preparedFor(request.path).resolve();
      return upload(request);
    };
    const q = await realQueue({ uploader, concurrency: 1 });
    drive.fake.setLatency(500);
    const files = [await drive.file('first.txt', 4 * KIB), await drive.file('second.txt', 4 * KIB)];
    const added = await q.queue.enqueue(
      files.map((f) => ({ path: f.path, folderPath: '', source: 'drop' as const })),
    );
    const [first, second] = added.map((a) => a.id) as [string, string];
    const secondPrepared = preparedFor(files[1]!.path).promise;
    await q.queue.start();
    await secondPrepared;
    return { ...q, files, first, second };
  }

  const uploadsAtDrive = () => drive.fake.requestCount('POST /upload/drive/v3/files');

  it('keeps the prepared file queued, and sends it only once the first is answered', async () => {
    const q = await slowDriveQueue();
    await expect.poll(uploadsAtDrive).toBe(1);

    expect(q.queue.get(q.second)?.state).toBe('queued');
    expect(q.queue.counts()).toMatchObject({ running: 1, queued: 1 });
    expect(uploadsAtDrive()).toBe(1);
    await q.idle();

    expectEachOnceInDrive(q.files);
    expect(uploadsAtDrive()).toBe(2);
    await q.close();
  });

  it('uploads nothing of a prepared file cancelled before its turn', async () => {
    const q = await slowDriveQueue();

    expect(q.queue.cancel(q.second)?.cancelled).toBe(true);
    await q.idle();

    expectEachOnceInDrive([q.files[0]!]);
    expect(uploadsAtDrive()).toBe(1);
    expect(q.queue.get(q.second)?.state).toBe('cancelled');
    await q.close();
  });

  it('sends nothing more once paused, and the prepared file whole after Resume', async () => {
    const q = await slowDriveQueue();

    q.queue.pause();
    expect(q.queue.counts()).toMatchObject({ running: 0, queued: 2 });
    drive.fake.setLatency(0);
    q.queue.resume();
    await q.idle();

    expectEachOnceInDrive(q.files);
    // The first one's create went out before the pause: it is looked for, not sent again.
    expect(q.queue.counts()).toMatchObject({ done: 2 });
    await q.close();
  });
});
