import type { Clock } from './clock.ts';

export interface ProbeWaitOptions {
  /**
   * A cheap check that the way is clear again (the network is back, the disk has room, Google
   * gives an access token); without one, the next upload attempt is the probe.
   */
  probe?: () => Promise<boolean>;
  clock: Clock;
  onReady: () => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A probe that has not answered by then counts as "not yet". Default 30 s. */
  probeTimeoutMs?: number;
}

/**
 * Waits for a condition the queue cannot fix itself (no network, a full disk, no access token):
 * probes with a growing delay, then calls `onReady` once. A wait that starts again soon after the
 * last one ended goes on from that one's delay: a probe can pass while real work still fails (a
 * small write fits on a nearly full disk, a flapping link), and each round must not start over
 * at one second.
 */
export class ProbeWait {
  readonly #o: ProbeWaitOptions;
  #timer: unknown = null;
  #delay = 0;
  #generation = 0;
  #lastReady: { at: number; delay: number } | null = null;

  constructor(options: ProbeWaitOptions) {
    this.#o = options;
  }

  get waiting(): boolean {
    return this.#timer !== null;
  }

  start(): void {
    if (this.waiting) return;
    const max = this.#maxDelay();
    const last = this.#lastReady;
    const again = last !== null && this.#o.clock.now() - last.at < max;
    this.#delay = again ? Math.min(last.delay * 2, max) : (this.#o.initialDelayMs ?? 1000);
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
    const ready = await this.#probe();
    if (generation !== this.#generation) return;
    if (ready) {
      this.#timer = null;
      this.#lastReady = { at: this.#o.clock.now(), delay: this.#delay };
      this.#o.onReady();
      return;
    }
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay());
    this.#schedule();
  }

  #maxDelay(): number {
    return this.#o.maxDelayMs ?? 60_000;
  }

  async #probe(): Promise<boolean> {
    const { probe } = this.#o;
    if (!probe) return true;
    // A safety net on the wall clock, not the injected one: it bounds a hung probe, and tests that
    // move time by hand must not see it as the wait's next step.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#o.probeTimeoutMs ?? 30_000).unref();
    });
    try {
      return await Promise.race([probe(), timedOut]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
