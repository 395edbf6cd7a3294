export interface RetryPolicyOptions {
  /** How long a run of transient failures may last before the job fails for good. Default 24 h. */
  windowMs?: number;
  baseDelayMs?: number;
  /** The longest wait between two attempts. Default 5 min. */
  maxDelayMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_RETRY_WINDOW_MS = 24 * 3600_000;
export const DEFAULT_RETRY_MAX_DELAY_MS = 5 * 60_000;

/**
 * Exponential backoff with full jitter (delay uniform in [0, min(cap, base·2^(n-1)))): spreads
 * the retries of many jobs hit by one outage instead of sending them back in lockstep.
 *
 * A job is given up on after a span of time, not a number of attempts: an outage of Google or of
 * the link is measured in minutes or hours, and ten quick attempts were used up by one bad minute.
 * Only a transient failure is retried at all; a permanent one fails at once (upload-queue.ts).
 */
export class RetryPolicy {
  #window: number;
  #base: number;
  #cap: number;
  readonly #random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.#window = options.windowMs ?? DEFAULT_RETRY_WINDOW_MS;
    this.#base = options.baseDelayMs ?? 1000;
    this.#cap = options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
    this.#random = options.random ?? Math.random;
  }

  get windowMs(): number {
    return this.#window;
  }

  /** New window and cap (settings changed); jobs already waiting keep the time they were given. */
  update(options: Pick<RetryPolicyOptions, 'windowMs' | 'maxDelayMs'>): void {
    this.#window = options.windowMs ?? this.#window;
    this.#cap = options.maxDelayMs ?? this.#cap;
  }

  /** Whether a job failing since `failingSince` (epoch ms) is tried again at `now`. */
  allowsAnother(failingSince: number, now: number): boolean {
    return now - failingSince < this.#window;
  }

  /** Delay before the next attempt; a server's Retry-After is a floor, never shortened. */
  delayMs(attempts: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.max(0, attempts - 1));
    const jittered = Math.floor(this.#random() * ceiling);
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}
