export interface RetryPolicyOptions {
  /** Transient failures a job may have before it fails for good. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (delay uniform in [0, min(cap, base·2^(n-1)))): spreads
 * the retries of many jobs hit by one outage instead of sending them back in lockstep.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 10;
    this.#base = options.baseDelayMs ?? 1000;
    this.#cap = options.maxDelayMs ?? 5 * 60_000;
    this.#random = options.random ?? Math.random;
  }

  /** Whether a job that has now failed `attempts` times gets another attempt. */
  allowsAnother(attempts: number): boolean {
    return attempts < this.maxAttempts;
  }

  /** Delay before the next attempt; a server's Retry-After is a floor, never shortened. */
  delayMs(attempts: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.max(0, attempts - 1));
    const jittered = Math.floor(this.#random() * ceiling);
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}
