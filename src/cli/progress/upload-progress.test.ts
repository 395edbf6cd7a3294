import { describe, expect, it } from 'vitest';
import type { JobView as Job } from '../api-views.ts';
import type { AgentEvent } from '../agent-events.ts';
import { renderProgress } from './render-progress.ts';
import { UploadProgress } from './upload-progress.ts';

const T0 = Date.parse('2026-11-17T10:00:00Z');

function job(id: string, patch: Partial<Job> = {}): Job {
  return {
    id,
    path: `/data/${id}`,
    name: `${id}.bin`,
    size: 1000,
    md5: null,
    folderPath: 'DriveUp',
    source: 'cli',
    ruleId: null,
    state: 'queued',
    waitingFor: null,
    sentBytes: 0,
    confirmedBytes: 0,
    rateBytesPerSecond: null,
    etaSeconds: null,
    attempts: 0,
    nextAttemptAt: null,
    message: null,
    error: null,
    driveFileId: null,
    webViewLink: null,
    queuedAt: new Date(T0),
    startedAt: null,
    finishedAt: null,
    ...patch,
  };
}

const event = (type: AgentEvent['type'], data: unknown) =>
  ({ type, at: new Date(T0), data }) as AgentEvent;

describe('UploadProgress', () => {
  it('takes each file’s state from live events, also those that came before the add answered', () => {
    const progress = new UploadProgress(['/data'], T0);
    // The agent starts uploading before the CLI has the add's answer.
    progress.apply(event('job.started', { job: job('a', { state: 'running' }) }), T0 + 10);
    progress.apply(
      event('job.progress', { jobId: 'a', sentBytes: 400, confirmedBytes: 0, size: 1000 }),
      T0 + 20,
    );
    const finished = progress.added([job('a'), job('b')], T0 + 30);
    expect(finished).toEqual([]);
    const [a, b] = progress.snapshot(T0 + 40).files;
    expect(a).toMatchObject({ job: { state: 'running' }, sentBytes: 400 });
    expect(b).toMatchObject({ job: { state: 'queued' }, sentBytes: 0 });
  });

  it('counts what Drive confirmed for a file that will retry, not the bytes sent before it failed', () => {
    const progress = new UploadProgress(['/data'], T0);
    progress.added([job('a', { state: 'running' })], T0);
    progress.apply(
      event('job.progress', { jobId: 'a', sentBytes: 1000, confirmedBytes: 0, size: 1000 }),
      T0,
    );
    const retrying = job('a', {
      state: 'retrying',
      attempts: 1,
      error: 'Drive answered 503',
      nextAttemptAt: new Date(T0 + 30_000),
      confirmedBytes: 256,
    });
    expect(progress.apply(event('job.failed', { job: retrying, willRetry: true }), T0)).toEqual([]);
    expect(progress.snapshot(T0).files[0]).toMatchObject({ sentBytes: 256 });
    expect(progress.complete).toBe(false);
  });

  it('reports each finished file once, only its own, and completes when all are finished', () => {
    const progress = new UploadProgress(['/data'], T0);
    // Someone else's job finishing before the answer is not ours to report.
    expect(progress.apply(event('job.done', { job: job('other', { state: 'done' }) }), T0)).toEqual(
      [],
    );
    progress.added([job('a'), job('b', { state: 'done' })], T0);
    expect(progress.apply(event('job.done', { job: job('other', { state: 'done' }) }), T0)).toEqual(
      [],
    );
    const done = progress.apply(event('job.done', { job: job('a', { state: 'done' }) }), T0);
    expect(done.map((f) => f.job.id)).toEqual(['a']);
    expect(progress.apply(event('job.done', { job: job('a', { state: 'done' }) }), T0)).toEqual([]);
    expect(progress.complete).toBe(true);
    expect(progress.jobs().map((j) => j.state)).toEqual(['done', 'done']);
  });

  it('measures speed over the last seconds', () => {
    const progress = new UploadProgress(['/data'], T0);
    progress.added([job('a', { size: 10_000_000, state: 'running' })], T0);
    for (let s = 1; s <= 4; s++)
      progress.apply(
        event('job.progress', {
          jobId: 'a',
          sentBytes: s * 1_000_000,
          confirmedBytes: 0,
          size: 1e7,
        }),
        T0 + s * 1000,
      );
    expect(progress.snapshot(T0 + 4000).bytesPerSecond).toBeCloseTo(1_000_000, -3);
  });

  it('has no speed while nothing uploads: the only file waits to retry', () => {
    const progress = new UploadProgress(['/data'], T0);
    progress.added([job('a', { size: 10_000_000, state: 'running' })], T0);
    progress.apply(
      event('job.progress', { jobId: 'a', sentBytes: 2_000_000, confirmedBytes: 0, size: 1e7 }),
      T0 + 2000,
    );
    const retrying = job('a', { size: 10_000_000, state: 'retrying', confirmedBytes: 0 });
    progress.apply(event('job.failed', { job: retrying, willRetry: true }), T0 + 2500);

    const snapshot = progress.snapshot(T0 + 4000);
    expect(snapshot.bytesPerSecond).toBeNull();
    expect(renderProgress(snapshot, { columns: 120, rows: 10 }, T0 + 4000)[0]).toMatch(
      /—\/s {2}ETA —$/,
    );
  });
});

describe('renderProgress', () => {
  it('is never blank: before the agent answers it says what it is adding', () => {
    const progress = new UploadProgress(['/data/scans'], T0);
    expect(
      renderProgress(progress.snapshot(T0 + 2500), { columns: 80, rows: 24 }, T0 + 2500),
    ).toEqual(['Adding /data/scans… 2s']);
  });

  it('with 5,000 files: one overall line and as many files as the terminal has rows, each fitting its width', () => {
    const progress = new UploadProgress(['/data'], T0);
    const jobs = Array.from({ length: 5000 }, (_, i) =>
      job(`f${i}`, {
        name: `${'長い名前'.repeat(i % 7 ? 1 : 40)}-${i}.tif`,
        state: i < 40 ? 'running' : 'queued',
      }),
    );
    progress.added(jobs, T0);
    for (let i = 0; i < 100; i++)
      progress.apply(event('job.done', { job: { ...jobs[4000 + i]!, state: 'done' } }), T0);
    const lines = renderProgress(
      progress.snapshot(T0 + 5000),
      { columns: 100, rows: 24 },
      T0 + 5000,
    );
    expect(lines).toHaveLength(23);
    expect(lines[0]).toMatch(
      /^[█░]{20}\s+\d+% {2}100\/5,000 files {2}100 kB of 5 MB {2}[\d.]+ k?B\/s {2}ETA \d+m \d+s$/,
    );
    expect(lines.at(-1)).toBe('  … and 19 more');
    for (const line of lines) expect(stringWidthOf(line)).toBeLessThanOrEqual(99);
  });

  it('shows a retrying file with the reason and when the next attempt comes, and the pause reason', () => {
    const progress = new UploadProgress(['/data'], T0);
    progress.setPause('Waiting for a Google account');
    progress.added(
      [
        job('a', { name: 'a\x1b[2J.bin', state: 'running' }),
        job('b', {
          name: 'b.bin',
          state: 'retrying',
          attempts: 2,
          error: 'Drive answered 503: backend error',
          nextAttemptAt: new Date(T0 + 42_000),
        }),
      ],
      T0,
    );
    progress.apply(
      event('job.progress', { jobId: 'a', sentBytes: 500, confirmedBytes: 0, size: 1000 }),
      T0,
    );
    expect(renderProgress(progress.snapshot(T0), { columns: 120, rows: 24 }, T0).slice(1)).toEqual([
      'Paused: Waiting for a Google account',
      '  a\\x1b[2J.bin   50%  500 B of 1 kB',
      '  b.bin  retrying in 42s (attempt 3): Drive answered 503: backend error',
    ]);
  });
});

function stringWidthOf(line: string): number {
  let width = 0;
  for (const char of line) width += /[\u3000-\u9fff]/.test(char) ? 2 : 1;
  return width;
}
