import type { Clock } from './clock.ts';
import type { JobStore } from './job-store.ts';

/**
 * Wakes the scheduler when the next waiting retry becomes due. Retries already due are taken as
 * slots free up; the timer is only for the next one to come, so there is one timer, not one per
 * job.
 */
export class RetryTimer {
  readonly #clock: Clock;
  readonly #jobs: JobStore;
  readonly #onDue: () => void;
  #timer: { handle: unknown; at: number } | null = null;

  constructor(clock: Clock, jobs: JobStore, onDue: () => void) {
    this.#clock = clock;
    this.#jobs = jobs;
    this.#onDue = onDue;
  }

  arm(): void {
    const now = this.#clock.now();
    const at = this.#jobs.nextRetryAfter(now);
    if (this.#timer && (at === null || this.#timer.at <= at)) return;
    this.cancel();
    if (at === null) return;
    const handle = this.#clock.setTimeout(
      () => {
        this.#timer = null;
        this.#onDue();
        this.arm();
      },
      Math.max(0, at - now),
    );
    this.#timer = { handle, at };
  }

  cancel(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = null;
  }
}
