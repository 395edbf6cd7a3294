import { setTimeout as delay } from 'node:timers/promises';

export interface LimiterClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

/**
 * One upload pipe shared by every concurrent upload: each piece books the next free slot on a
 * virtual timeline, so N uploads together stay under the cap, as they would on a real link.
 * Changing the cap wakes every waiter, which re-books under the new one.
 */
export class BandwidthLimiter {
  #bytesPerSecond: number | null;
  #nextFreeAt = 0;
  #changed = Promise.withResolvers<void>();
  readonly #clock: LimiterClock;

  constructor(bytesPerSecond: number | null = null, clock: LimiterClock = realClock) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#clock = clock;
  }

  get bytesPerSecond(): number | null {
    return this.#bytesPerSecond;
  }

  setLimit(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && !(bytesPerSecond > 0)) {
      throw new RangeError('a bandwidth limit must be a positive number of bytes per second');
    }
    this.#bytesPerSecond = bytesPerSecond;
    this.#nextFreeAt = 0;
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }

  /**
   * The largest piece worth sending in one go: about a quarter second of the cap, so that progress
   * stays smooth and the socket never sits idle long enough to look dead.
   */
  pieceSize(preferred: number): number {
    if (this.#bytesPerSecond === null) return preferred;
    return Math.max(1024, Math.min(preferred, Math.floor(this.#bytesPerSecond / 4)));
  }

  /** Waits until `bytes` may be sent under the current cap. */
  async take(bytes: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#book(bytes);
      if (wait <= 0) return;
      const rebook = new AbortController();
      void this.#changed.promise.then(() => rebook.abort());
      try {
        await this.#clock.sleep(wait, AbortSignal.any([signal, rebook.signal]));
        return;
      } catch (error) {
        if (signal.aborted || !rebook.signal.aborted) throw error;
      }
    }
  }

  /** Books the bytes and says how long to wait before sending them. */
  #book(bytes: number): number {
    if (this.#bytesPerSecond === null) return 0;
    const now = this.#clock.now();
    const start = Math.max(now, this.#nextFreeAt);
    this.#nextFreeAt = start + (bytes / this.#bytesPerSecond) * 1000;
    return start - now;
  }
}
