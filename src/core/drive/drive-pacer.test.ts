import { describe, expect, it } from 'vitest';
import type { LimiterClock } from './bandwidth-limiter.ts';
import { DrivePacer } from './drive-pacer.ts';

/** Time the test moves: a sleep ends only when `advance` reaches it. */
function manualClock() {
  let time = 0;
  let sleepers: Array<{ at: number; wake: () => void }> = [];
  const clock: LimiterClock & { advance(ms: number): Promise<void> } = {
    now: () => time,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        sleepers.push({ at: time + ms, wake: resolve });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
    async advance(ms) {
      time += ms;
      const due = sleepers.filter((s) => s.at <= time);
      sleepers = sleepers.filter((s) => s.at > time);
      for (const sleeper of due) sleeper.wake();
      // Let the woken callers run up to their next sleep.
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
  return clock;
}

const signal = new AbortController().signal;

/** Callers asking for a turn at once; `passed` lists them in the order they got it. */
function callers(pacer: DrivePacer, n: number) {
  const passed: number[] = [];
  for (let i = 0; i < n; i++) {
    const turn = pacer.turn(signal);
    if (!turn) passed.push(i);
    else void turn.then(() => passed.push(i));
  }
  return passed;
}

describe('DrivePacer', () => {
  it('lets calls straight out while Drive is content, without even a promise', () => {
    const pacer = new DrivePacer({ clock: manualClock() });
    expect(pacer.turn(signal)).toBeUndefined();
    pacer.content();
    expect(pacer.turn(signal)).toBeUndefined();
  });

  it('after a rate limit, holds every caller until the time Drive named, then one at a time', async () => {
    const clock = manualClock();
    const pacer = new DrivePacer({ clock });
    pacer.limited(5000);
    const passed = callers(pacer, 8);

    await clock.advance(4999);
    expect(passed).toEqual([]);
    await clock.advance(1);
    expect(passed).toEqual([0]);
    await clock.advance(4999);
    expect(passed).toEqual([0]);
    await clock.advance(1);
    expect(passed).toEqual([0, 1]);
  });

  it('sends a waiting caller back to wait when another limit comes meanwhile', async () => {
    const clock = manualClock();
    const pacer = new DrivePacer({ clock });
    pacer.limited(1000);
    const passed = callers(pacer, 1);
    await clock.advance(500);
    pacer.limited(3000);

    await clock.advance(500);
    expect(passed).toEqual([]);
    await clock.advance(2500);
    expect(passed).toEqual([0]);
  });

  it('doubles the spacing for limits without a time, and eases it with each success until it is gone', async () => {
    const clock = manualClock();
    const pacer = new DrivePacer({ clock, minSleepMs: 1000, maxSleepMs: 8000 });
    pacer.limited(undefined);
    pacer.limited(undefined);
    pacer.limited(undefined);
    pacer.limited(undefined);
    expect(pacer.sleepMs).toBe(8000);

    const spacings = [];
    while (pacer.sleepMs > 0) {
      pacer.content();
      spacings.push(pacer.sleepMs);
    }
    expect(spacings).toEqual([2000, 500, 0]);
    await clock.advance(8000);
    expect(pacer.turn(signal)).toBeUndefined();
  });

  it('lets an aborted caller go at once', async () => {
    const pacer = new DrivePacer({ clock: manualClock() });
    pacer.limited(60_000);
    const controller = new AbortController();
    const turn = pacer.turn(controller.signal)!;
    controller.abort(new Error('paused'));
    await expect(turn).rejects.toThrow('paused');
  });
});
