import { describe, expect, it } from 'vitest';
import { SlotRunner } from './slot-runner.ts';

/** A runner over `jobs` ids whose runs wait for `release()`; counts what runs at once. */
function rig(concurrency: number, jobs: number) {
  const waiting = Array.from({ length: jobs }, (_, i) => `job-${i}`);
  let open = true;
  let inFlight = 0;
  let maxInFlight = 0;
  const finished: string[] = [];
  const releases: Array<() => void> = [];
  const storedWaiters: Array<{ n: number; resolve: () => void }> = [];
  const flightWaiters: Array<{ n: number; resolve: () => void }> = [];
  const runner = new SlotRunner({
    concurrency,
    claim: () => waiting.shift() ?? null,
    runnable: (limit) => Math.min(limit, waiting.length),
    busy: () => inFlight,
    open: () => open,
    run: async (jobId) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      for (const w of flightWaiters.filter((w) => inFlight >= w.n)) w.resolve();
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
      finished.push(jobId);
      runner.pump();
      return null;
    },
    onSlotStored: (n) => {
      for (const w of storedWaiters.filter((w) => n >= w.n)) w.resolve();
    },
  });
  return {
    runner,
    setOpen: (value: boolean) => (open = value),
    stored: (n: number) => new Promise<void>((resolve) => storedWaiters.push({ n, resolve })),
    inFlight: (n: number) => new Promise<void>((resolve) => flightWaiters.push({ n, resolve })),
    releaseAll: () => releases.splice(0).forEach((release) => release()),
    get maxInFlight() {
      return maxInFlight;
    },
    finished,
  };
}

describe('SlotRunner (better-queue 3.8 underneath)', () => {
  it('runs N at once after a pause caught every offered slot in better-queue', async () => {
    const r = rig(3, 6);
    r.runner.start(false);
    r.runner.pump();
    r.runner.pause();
    r.setOpen(false);
    // The worst moment: better-queue holds all three slots, and on resume would refill only
    // while two or more are free.
    await r.stored(3);
    r.setOpen(true);
    r.runner.resume();
    await r.inFlight(3);
    r.releaseAll();
    await r.inFlight(3);
    r.releaseAll();
    await r.runner.drained();

    expect(r.maxInFlight).toBe(3);
    expect(r.finished).toHaveLength(6);
    await r.runner.destroy();
  });
});
