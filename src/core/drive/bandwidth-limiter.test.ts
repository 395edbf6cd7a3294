import { describe, expect, it } from 'vitest';
import { BandwidthLimiter, type LimiterClock } from './bandwidth-limiter.ts';

/** Virtual time: sleeping advances the clock instantly, and every sleep is recorded. */
function virtualClock(): LimiterClock & { time: number; sleeps: number[] } {
  const clock = {
    time: 0,
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      clock.sleeps.push(ms);
      clock.time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

const signal = new AbortController().signal;

describe('BandwidthLimiter', () => {
  it('lets bytes through no faster than the cap', async () => {
    const clock = virtualClock();
    const limiter = new BandwidthLimiter(100_000, clock);
    for (let i = 0; i < 40; i += 1) await limiter.take(25_000, signal);
    // 1 MB at 100 kB/s: the last piece may leave once 975 kB have had their time.
    expect(clock.time).toBeCloseTo(9_750, 6);
  });

  it('shares one cap between concurrent uploads', async () => {
    const clock = virtualClock();
    const limiter = new BandwidthLimiter(100_000, clock);
    const upload = async (): Promise<void> => {
      for (let i = 0; i < 10; i += 1) await limiter.take(25_000, signal);
    };
    await Promise.all([upload(), upload(), upload(), upload()]);
    // Four uploads of 250 kB each: together still 100 kB/s, not 400.
    expect(clock.time).toBeGreaterThanOrEqual(9_750);
  });

  it('costs nothing without a cap', async () => {
    const clock = virtualClock();
    const limiter = new BandwidthLimiter(null, clock);
    for (let i = 0; i < 10; i += 1) await limiter.take(10_000_000, signal);
    expect(clock.sleeps).toEqual([]);
  });

  it('applies a new cap to uploads already waiting', async () => {
    const pending: { ms: number; resolve(): void; signal: AbortSignal }[] = [];
    const clock: LimiterClock = {
      now: () => 0,
      sleep: (ms, sleepSignal) =>
        new Promise((resolve, reject) => {
          pending.push({ ms, resolve, signal: sleepSignal });
          sleepSignal.addEventListener('abort', () => reject(sleepSignal.reason), { once: true });
        }),
    };
    const limiter = new BandwidthLimiter(1_000, clock);
    await limiter.take(10_000, signal);
    const waiting = limiter.take(10_000, signal);
    await Promise.resolve();
    expect(pending.map((p) => p.ms)).toEqual([10_000]);
    limiter.setLimit(null);
    await waiting;
    expect(pending[0]?.signal.aborted).toBe(true);
  });

  it('stops waiting when the upload is aborted', async () => {
    const clock: LimiterClock = {
      now: () => 0,
      sleep: (_ms, sleepSignal) =>
        new Promise((_resolve, reject) =>
          sleepSignal.addEventListener('abort', () => reject(sleepSignal.reason), { once: true }),
        ),
    };
    const limiter = new BandwidthLimiter(1_000, clock);
    const controller = new AbortController();
    await limiter.take(5_000, controller.signal);
    const waiting = limiter.take(5_000, controller.signal);
    controller.abort(new Error('paused'));
    await expect(waiting).rejects.toThrow('paused');
  });

  it('keeps pieces small under a low cap so the socket never looks idle', () => {
    expect(new BandwidthLimiter(8_192).pieceSize(1024 * 1024)).toBe(2_048);
    expect(new BandwidthLimiter(null).pieceSize(1024 * 1024)).toBe(1024 * 1024);
  });
});
