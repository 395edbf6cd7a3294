import { appendFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/queue/manual-clock.ts';
import { useQueueRig } from '../../../test/support/queue/queue-harness.ts';
import { blockUntil, failWith, gate } from '../../../test/support/queue/test-uploader.ts';
import { UploadError, type UploadRequest } from '../drive/uploader.ts';
import type { Job } from './job.ts';

const rig = useQueueRig();

describe('UploadQueue: failures', () => {
  it('backs off transient failures with jitter and Retry-After, persisted across a restart', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const r = await rig({ clock, retry: { baseDelayMs: 1000, random: () => 0.5 } });
    const path = await r.file('scan.tif');
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    r.uploader.script(failWith('transient', 'HTTP 503'), failWith('transient', '429', 3000));
    const first = r.next('job.failed');
    await r.queue.start();
    expect(await first).toMatchObject({ willRetry: true, job: { state: 'retrying', attempts: 1 } });
    expect(r.queue.get(job!.id)!.nextAttemptAt).toEqual(new Date(t0 + 500));

    const second = r.next('job.failed');
    clock.advance(500);
    expect((await second).job).toMatchObject({ attempts: 2, error: '429' });
    // Jitter gives 1000 ms here; the server asked for 3000.
    expect(r.queue.get(job!.id)!.nextAttemptAt).toEqual(new Date(t0 + 500 + 3000));

    const again = await r.reopen();
    expect(again.queue.get(job!.id)).toMatchObject({
      state: 'retrying',
      attempts: 2,
      errorKind: 'transient',
      nextAttemptAt: new Date(t0 + 3500),
    });
    await again.queue.start();
    expect(r.uploader.requests).toHaveLength(2);
    const done = again.next('job.done');
    clock.advance(3000);
    expect((await done).job).toMatchObject({ id: job!.id, attempts: 2, error: null });
  });

  it('retries transient failures for the retry window, however many, then fails saying so', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const r = await rig({
      clock,
      retry: { windowMs: 600_000, maxDelayMs: 60_000, random: () => 0.99 },
    });
    const path = await r.file('a.bin');
    r.uploader.script(...Array.from({ length: 40 }, () => failWith('transient', 'HTTP 503')));
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const waits: number[] = [];
    await r.queue.start();

    let failed = await r.next('job.failed');
    while (failed.willRetry) {
      const wait = failed.job.nextAttemptAt!.getTime() - clock.now();
      waits.push(wait);
      const next = r.next('job.failed');
      clock.advance(wait);
      failed = await next;
    }

    // 10 minutes of failures are far more than the 10 attempts a fixed count allowed.
    expect(waits.length).toBeGreaterThan(10);
    expect(Math.max(...waits)).toBeLessThanOrEqual(60_000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(600_000);
    expect(failed.job).toMatchObject({
      id: job!.id,
      state: 'failed',
      error: expect.stringMatching(/^HTTP 503 \(tried again for 1[01] min; giving up\)$/),
    });
  });

  it('counts the retry window afresh once an attempt got more bytes confirmed', async () => {
    const clock = new ManualClock();
    const r = await rig({ clock, retry: { windowMs: 60_000, random: () => 0.5 } });
    const path = await r.file('a.bin');
    let confirmed = 0;
    const progressThenFail = async (request: UploadRequest) => {
      if (!request.resume) request.onSession('https://upload.test/s');
      request.onConfirmed((confirmed += 1));
      throw new UploadError('transient', 'connection reset');
    };
    r.uploader.script(...Array.from({ length: 12 }, () => progressThenFail));
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    await r.queue.start();

    // Each attempt moves the upload on: 12 failures over 12 × 30 s never fail it.
    for (let i = 0; i < 12; i++) {
      const failed = await r.next('job.failed');
      expect(failed).toMatchObject({ willRetry: true, job: { attempts: 1 } });
      const done = i === 11 ? r.next('job.done') : undefined;
      clock.advance(30_000);
      await done;
    }
    expect(r.queue.get(job!.id)).toMatchObject({ state: 'done' });
  });

  it('fails a permanent error at once, with its message, into the history', async () => {
    const recorded: Job[] = [];
    const r = await rig();
    r.queue.finishing.add(({ job }) => recorded.push(job));
    const path = await r.file('big.iso');
    r.uploader.script(failWith('permanent', 'Your Google Drive is full'));
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const failed = r.next('job.failed');
    await r.queue.start();

    expect(await failed).toMatchObject({
      willRetry: false,
      job: { state: 'failed', attempts: 0, error: 'Your Google Drive is full' },
    });
    expect(recorded.map((j) => [j.id, j.state])).toEqual([[job!.id, 'failed']]);
    expect(r.queue.get(job!.id)!.finishedAt).not.toBeNull();
  });

  it('pauses on expired sign-in without spending an attempt, and loses nothing', async () => {
    const r = await rig({ concurrency: 1 });
    const files = await Promise.all([1, 2, 3].map((i) => r.file(`f${i}.bin`)));
    r.uploader.script(failWith('auth', 'invalid_grant'));
    const jobs = await r.queue.enqueue(
      files.map((path) => ({ path, folderPath: 'D', source: 'drop' as const })),
    );
    const paused = r.next('queue.paused');
    await r.queue.start();

    expect(await paused).toEqual({ pause: { kind: 'auth', cause: 'expired', detail: null } });
    expect(r.queue.pauseKind).toBe('auth');
    expect(r.queue.get(jobs[0]!.id)).toMatchObject({ state: 'queued', attempts: 0 });

    r.queue.resume();
    await r.idle();
    expect(r.queue.counts()).toMatchObject({ done: 3 });
    expect([...r.uploader.stored.values()]).toEqual([1, 1, 1]);
  });

  it('resumes by itself once Google gives an access token again, when it can ask', async () => {
    const clock = new ManualClock();
    const answers = [false, true];
    const r = await rig({
      clock,
      accessProbe: async () => answers.shift() ?? true,
      waitDelayMs: { initial: 1000, max: 8000 },
    });
    const path = await r.file('a.bin');
    r.uploader.script(failWith('auth', 'Google refused the access token'));
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const paused = r.next('queue.paused');
    await r.queue.start();
    expect(await paused).toEqual({ pause: { kind: 'auth', cause: 'expired', detail: null } });

    const probedAgain = clock.nextTimer();
    clock.advance(1000); // no token yet
    await probedAgain;
    expect(r.queue.pauseKind).toBe('auth');
    const resumed = r.next('queue.resumed');
    clock.advance(2000); // a token: the refresh worked
    await resumed;
    await r.idle();

    expect(r.queue.get(job!.id)).toMatchObject({ state: 'done', attempts: 0 });
  });

  it('waits offline without spending attempts and continues when the probe sees the network', async () => {
    const clock = new ManualClock();
    const answers = [false, true];
    const r = await rig({
      clock,
      networkProbe: async () => answers.shift() ?? true,
      waitDelayMs: { initial: 1000, max: 8000 },
    });
    const path = await r.file('a.bin');
    r.uploader.script(failWith('offline', 'getaddrinfo ENOTFOUND'));
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const paused = r.next('queue.paused');
    await r.queue.start();
    expect(await paused).toEqual({ pause: { kind: 'offline' } });
    expect(r.queue.get(job!.id)).toMatchObject({ state: 'queued', attempts: 0 });

    const probedAgain = clock.nextTimer();
    clock.advance(1000); // probe: still offline, next probe in 2 s
    await probedAgain;
    expect(r.queue.isPaused()).toBe(true);
    const resumed = r.next('queue.resumed');
    clock.advance(2000); // probe: online
    await resumed;
    await r.idle();

    expect(r.queue.get(job!.id)).toMatchObject({ state: 'done', attempts: 0 });
  });

  it('tries again at once when resumed by hand while offline', async () => {
    const r = await rig({ clock: new ManualClock(), networkProbe: async () => false });
    const path = await r.file('a.bin');
    r.uploader.script(failWith('offline', 'ENETUNREACH'));
    await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const paused = r.next('queue.paused');
    await r.queue.start();
    await paused;

    r.queue.resume();
    await r.idle();
    expect(r.queue.counts().done).toBe(1);
  });

  it('uploads the final content of a file that changed during its upload', async () => {
    const r = await rig();
    const path = await r.file('growing.log', 'first lines\n');
    r.uploader.script(async () => {
      await appendFile(path, 'more lines\n');
      throw new UploadError('changed', 'file changed');
    });
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    await r.queue.start();
    await r.idle();

    const { size, mtimeMs } = await stat(path);
    expect(r.queue.get(job!.id)).toMatchObject({ state: 'done', attempts: 0, size, mtimeMs });
    expect(r.uploader.requests.map((q) => q.expected.size)).toEqual([12, size]);
  });

  it('gives way to the job of the new version when that was queued meanwhile', async () => {
    const r = await rig();
    const path = await r.file('growing.log', 'first lines\n');
    const item = { path, folderPath: 'D', source: 'watch' as const, ruleId: 'r1' };
    let newer: Job | undefined;
    r.uploader.script(async () => {
      await appendFile(path, 'more lines\n');
      [newer] = await r.queue.enqueue([item]);
      throw new UploadError('changed', 'file changed');
    });
    const [job] = await r.queue.enqueue([item]);
    await r.queue.start();
    await r.idle();

    expect(r.queue.get(job!.id)).toMatchObject({ state: 'cancelled', errorKind: 'changed' });
    expect(r.queue.get(newer!.id)!.state).toBe('done');
    expect([...r.uploader.stored.keys()]).toEqual([newer!.id]);
  });
});

describe('UploadQueue: restarts', () => {
  it('resumes a job a crash left running, with its session and confirmed bytes', async () => {
    const r = await rig();
    const path = await r.file('video.mp4');
    const [job] = await r.queue.enqueue([{ path, folderPath: 'D', source: 'drop' }]);
    const confirmed = r.next('job.progress');
    r.uploader.script(async (request) => {
      request.onSession('https://upload.test/session-1');
      request.onConfirmed(8);
      return blockUntil(gate(), r.uploader.store)(request);
    });
    await r.queue.start();
    await confirmed;

    const after = r.afterCrash();
    expect(after.queue.get(job!.id)).toMatchObject({
      state: 'running',
      sessionUri: 'https://upload.test/session-1',
      confirmedBytes: 8,
    });
    await after.queue.start();
    await after.idle();

    expect(r.uploader.requests[1]).toMatchObject({
      jobId: job!.id,
      resume: { sessionUri: 'https://upload.test/session-1', confirmedBytes: 8 },
      maybeCreated: true,
    });
    expect(after.queue.get(job!.id)).toMatchObject({ state: 'done', attempts: 0 });
  });

  it('stop() aborts running uploads and leaves them queued and resumable', async () => {
    const r = await rig();
    const [a, b] = [await r.file('a.bin'), await r.file('b.bin')];
    const jobs = await r.queue.enqueue([
      { path: a, folderPath: 'D', source: 'drop' },
      { path: b, folderPath: 'D', source: 'drop' },
    ]);
    const stall = (uri: string) =>
      blockUntil(gate(), async () => {
        throw new Error(`unreachable ${uri}`);
      });
    r.uploader.script(
      async (q) => (q.onSession('https://upload.test/a'), q.onConfirmed(4), stall('a')(q)),
      async (q) => (q.onSession('https://upload.test/b'), stall('b')(q)),
    );
    await r.queue.start();
    await r.uploader.whenInFlight(2);

    await r.queue.stop();

    expect(r.uploader.requests.every((q) => q.signal.aborted)).toBe(true);
    const again = await r.reopen();
    expect(again.queue.list({ states: ['queued'] }).jobs).toMatchObject([
      { id: jobs[0]!.id, sessionUri: 'https://upload.test/a', confirmedBytes: 4, attempts: 0 },
      { id: jobs[1]!.id, sessionUri: 'https://upload.test/b', confirmedBytes: 0, attempts: 0 },
    ]);
    await again.queue.start();
    await again.idle();
    expect(again.queue.counts()).toMatchObject({ done: 2, queued: 0, running: 0 });
    expect(
      r.uploader.requests
        .slice(2)
        .map((q) => q.resume?.sessionUri)
        .sort(),
    ).toEqual(['https://upload.test/a', 'https://upload.test/b']);
  });
});
