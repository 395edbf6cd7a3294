import type { Clock } from '../../../src/core/queue/clock.ts';

/** A clock the test moves by hand: timers fire only on `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #timers: Array<{ at: number; fn: () => void; id: number }> = [];
  #nextId = 0;
  #onSet: Array<() => void> = [];

  constructor(start = Date.UTC(2026, 10, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + ms, fn, id });
    for (const notify of this.#onSet.splice(0)) notify();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Resolves when the next timer is set (e.g. a wait rescheduling itself after a probe). */
  nextTimer(): Promise<void> {
    return new Promise((resolve) => this.#onSet.push(resolve));
  }

  /** Pending timers, for asserting that a wake-up is (or is not) armed. */
  get pending(): number {
    return this.#timers.length;
  }

  advance(ms: number): void {
    this.#now += ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= this.#now).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.#timers = this.#timers.filter((t) => t !== due);
      due.fn();
    }
  }
}
