import { setTimeout as delay } from 'node:timers/promises';
import type { LimiterClock } from './bandwidth-limiter.ts';

export interface DrivePacerOptions {
  /** The shortest spacing between calls once Drive has asked to slow down. Default 1 s. */
  minSleepMs?: number;
  /** The longest spacing and the longest wait for a turn. Default 60 s. */
  maxSleepMs?: number;
  clock?: LimiterClock;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

/**
 * One pace for every Drive call of this agent, metadata and uploads alike, as rclone's pacer
 * does it. While Drive is content, calls go straight out. When it answers a rate limit (429, a
 * rate-limit 403, or anything with Retry-After), every caller waits: nobody sends before the time
 * Drive named, and then calls leave one at a time, spaced by a delay that grows with each further
 * limit (doubling when Drive names no time) and shrinks with each success until it is gone. Slots
 * that each backed off on their own kept calling in turn, so a storm of 429s was met with as many
 * requests as slots, again and again.
 */
export class DrivePacer {
  readonly #min: number;
  readonly #max: number;
  readonly #clock: LimiterClock;
  /** Spacing between calls; 0 while Drive is content. */
  #sleepMs = 0;
  /** When the next call may leave. */
  #nextAt = 0;
  /** Counts rate limits: a wait booked before the latest one books again. */
  #limits = 0;

  constructor(options: DrivePacerOptions = {}) {
    this.#min = options.minSleepMs ?? 1000;
    this.#max = options.maxSleepMs ?? 60_000;
    this.#clock = options.clock ?? realClock;
  }

  /** Spacing now in force (0: calls go straight out). */
  get sleepMs(): number {
    return this.#sleepMs;
  }

  /**
   * Waits for this call's turn. Returns undefined, not a promise, when there is nothing to wait
   * for: a burst of small files makes thousands of calls, and each await is a turn of the loop.
   */
  turn(signal: AbortSignal): Promise<void> | undefined {
    if (this.#sleepMs === 0 && this.#clock.now() >= this.#nextAt) return undefined;
    return this.#wait(signal);
  }

  /** Drive asked to slow down; `retryAfterMs` is the time it named, if it named one. */
  limited(retryAfterMs: number | undefined): void {
    const now = this.#clock.now();
    const asked = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, this.#max);
    const grown = retryAfterMs === undefined ? this.#sleepMs * 2 : asked;
    this.#sleepMs = Math.min(this.#max, Math.max(this.#min, grown));
    this.#nextAt = Math.max(this.#nextAt, now + Math.max(asked, this.#sleepMs));
    this.#limits++;
  }

  /**
   * Drive answered without a rate limit: the spacing shrinks to a quarter, and goes once it is
   * short. A quarter rather than rclone's half: when Drive names its time, a success after it
   * means the limit is over, and a slow way back kept 100 small files waiting ~10 s more.
   */
  content(): void {
    if (this.#sleepMs === 0) return;
    const quarter = this.#sleepMs / 4;
    this.#sleepMs = quarter < this.#min / 4 ? 0 : quarter;
    this.#nextAt = Math.min(this.#nextAt, this.#clock.now() + this.#sleepMs);
  }

  async #wait(signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const now = this.#clock.now();
      const at = Math.max(now, this.#nextAt);
      this.#nextAt = at + this.#sleepMs;
      const limits = this.#limits;
      if (at > now) await this.#clock.sleep(at - now, signal);
      if (limits === this.#limits) return;
    }
  }
}
