import type { Clock } from './clock.ts';

export interface NetworkWaitOptions {
  /** A cheap check that Google is reachable; without one, the next upload attempt is the probe. */
  probe?: () => Promise<boolean>;
  clock: Clock;
  onOnline: () => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Waits for the network to come back: probes with a growing delay, then calls `onOnline` once. */
export class NetworkWait {
  readonly #o: NetworkWaitOptions;
  #timer: unknown = null;
  #delay = 0;
  #generation = 0;

  constructor(options: NetworkWaitOptions) {
    this.#o = options;
  }

  get waiting(): boolean {
    return this.#timer !== null;
  }

  start(): void {
    if (this.waiting) return;
    this.#delay = this.#o.initialDelayMs ?? 1000;
    this.#schedule();
  }

  cancel(): void {
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    // A probe already in flight must not report for a wait that was called off.
    this.#generation++;
  }

  #schedule(): void {
    const generation = this.#generation;
    this.#timer = this.#o.clock.setTimeout(() => void this.#check(generation), this.#delay);
  }

  async #check(generation: number): Promise<void> {
    const online = await this.#probe();
    if (generation !== this.#generation) return;
    if (online) {
      this.#timer = null;
      this.#o.onOnline();
      return;
    }
    this.#delay = Math.min(this.#delay * 2, this.#o.maxDelayMs ?? 60_000);
    this.#schedule();
  }

  async #probe(): Promise<boolean> {
    if (!this.#o.probe) return true;
    try {
      return await this.#o.probe();
    } catch {
      return false;
    }
  }
}
