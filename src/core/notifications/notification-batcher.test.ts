import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/queue/manual-clock.ts';
import type { NotificationBatch } from './notification-batch.ts';
import {
  NotificationBatcher,
  type BatchSettings,
  type FinishedJob,
} from './notification-batcher.ts';

function setup(settings: Partial<BatchSettings> = {}, keep?: number) {
  const clock = new ManualClock();
  const batches: NotificationBatch[] = [];
  let id = 0;
  const current: BatchSettings = { enabled: true, batchSeconds: 10, ...settings };
  const batcher = new NotificationBatcher({
    settings: () => current,
    onBatch: (batch) => batches.push(batch),
    clock,
    keep,
    newId: () => `b${++id}`,
  });
  return { clock, batches, batcher, current };
}

let nextJob = 0;
function job(overrides: Partial<FinishedJob> = {}): FinishedJob {
  nextJob += 1;
  return {
    id: `job-${nextJob}`,
    name: `file-${nextJob}.tif`,
    folderPath: 'Lab/2026',
    state: 'done',
    error: null,
    webViewLink: `https://drive.example/${nextJob}`,
    ...overrides,
  };
}

describe('NotificationBatcher', () => {
  it('announces the uploads of one window once, when the window closes', () => {
    const { clock, batches, batcher } = setup();
    for (let i = 0; i < 12; i++) batcher.add(job());
    clock.advance(9_999);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.summary).toBe('12 files uploaded to Lab/2026');
    expect(batches[0]!.jobs).toHaveLength(12);
    expect(batches[0]!.endedAt.getTime() - batches[0]!.startedAt.getTime()).toBe(10_000);
  });

  it('names the file when there is one, and counts folders when there are several', () => {
    const { clock, batches, batcher } = setup();
    batcher.add(job({ name: 'report.pdf', folderPath: 'Reports' }));
    clock.advance(10_000);
    batcher.add(job({ folderPath: 'A' }));
    batcher.add(job({ folderPath: 'B' }));
    batcher.add(job({ folderPath: 'A' }));
    clock.advance(10_000);
    expect(batches.map((b) => b.summary)).toEqual([
      'report.pdf uploaded to Reports',
      '3 files uploaded to 2 folders',
    ]);
  });

  it('says why uploads failed when they share one reason', () => {
    const { clock, batches, batcher } = setup();
    batcher.add(job({ state: 'failed', error: 'Drive storage is full' }));
    clock.advance(10_000);
    batcher.add(job({ state: 'failed', error: 'Drive storage is full' }));
    batcher.add(job({ state: 'failed', error: 'Drive storage is full' }));
    clock.advance(10_000);
    batcher.add(job({ state: 'failed', error: 'Drive storage is full' }));
    batcher.add(job({ state: 'failed', error: 'The destination was not found' }));
    clock.advance(10_000);
    expect(batches.map((b) => b.summary)).toEqual([
      '1 upload failed: Drive storage is full',
      '2 uploads failed: Drive storage is full',
      '2 uploads failed',
    ]);
  });

  it('sums up a window with successes and failures in one sentence', () => {
    const { clock, batches, batcher } = setup();
    for (let i = 0; i < 12; i++) batcher.add(job());
    batcher.add(job({ state: 'failed', error: 'Drive storage is full', webViewLink: null }));
    clock.advance(10_000);
    expect(batches.map((b) => b.summary)).toEqual(['12 uploaded to Lab/2026, 1 failed']);
  });

  it('never makes more than one notification per window, however steady the stream', () => {
    const { clock, batches, batcher } = setup({ batchSeconds: 10 });
    // One upload finishing every second for a minute.
    for (let second = 0; second < 60; second++) {
      batcher.add(job());
      clock.advance(1_000);
    }
    clock.advance(10_000);
    expect(batches).toHaveLength(6);
    expect(batches.reduce((n, b) => n + b.jobs.length, 0)).toBe(60);
    for (const [i, batch] of batches.entries()) {
      const next = batches[i + 1];
      if (next) expect(next.startedAt.getTime()).toBeGreaterThanOrEqual(batch.endedAt.getTime());
    }
  });

  it('with notifications off, still announces failures but not successes', () => {
    const { clock, batches, batcher } = setup({ enabled: false });
    batcher.add(job());
    batcher.add(job());
    clock.advance(10_000);
    expect(batches).toEqual([]);
    batcher.add(job());
    batcher.add(job({ state: 'failed', error: 'Drive storage is full' }));
    clock.advance(10_000);
    expect(batches.map((b) => b.summary)).toEqual(['1 upload failed: Drive storage is full']);
  });

  it('does not announce cancelled jobs, nor one cancelled after it finished in the window', () => {
    const { clock, batches, batcher } = setup();
    batcher.add(job({ state: 'cancelled' }));
    clock.advance(10_000);
    expect(batches).toEqual([]);
    const failed = job({ state: 'failed', error: 'x' });
    batcher.add(failed);
    batcher.add({ ...failed, state: 'cancelled' });
    clock.advance(10_000);
    expect(batches).toEqual([]);
  });

  it('announces a job seen twice in a window once, in its last state', () => {
    const { clock, batches, batcher } = setup();
    const flaky = job({ state: 'failed', error: 'Drive answered 500' });
    batcher.add(flaky);
    batcher.add({ ...flaky, state: 'done', error: null });
    clock.advance(10_000);
    expect(batches[0]!.jobs.map((j) => [j.jobId, j.state])).toEqual([[flaky.id, 'done']]);
    expect(batches[0]!.summary).toBe(`${flaky.name} uploaded to Lab/2026`);
  });

  it('gathers what finishes in the same turn even with a window of 0 seconds', () => {
    const { clock, batches, batcher } = setup({ batchSeconds: 0 });
    batcher.add(job());
    batcher.add(job());
    clock.advance(0);
    expect(batches.map((b) => b.jobs.length)).toEqual([2]);
  });

  it('keeps the last batches for Review, by id', () => {
    const { clock, batches, batcher } = setup({}, 2);
    for (let i = 0; i < 3; i++) {
      batcher.add(job());
      clock.advance(10_000);
    }
    expect(batches.map((b) => b.id)).toEqual(['b1', 'b2', 'b3']);
    expect(batcher.get('b1')).toBeUndefined();
    expect(batcher.get('b3')).toBe(batches[2]);
    expect(batcher.recent().map((b) => b.id)).toEqual(['b3', 'b2']);
  });

  it('flush announces the open window at once; stop forgets it', () => {
    const { clock, batches, batcher } = setup();
    batcher.add(job());
    expect(batcher.flush()?.jobs).toHaveLength(1);
    clock.advance(10_000);
    expect(batches).toHaveLength(1);
    batcher.add(job());
    batcher.stop();
    clock.advance(10_000);
    expect(batches).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
