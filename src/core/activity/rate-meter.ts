/** How far back a rate looks: long enough to smooth chunked uploads, short enough to follow a change. */
const WINDOW_MS = 8_000;
/** Below this much history a rate would be a guess: none is given. */
const MIN_SPAN_MS = 1_000;

interface Sample {
  at: number;
  bytes: number;
}

/**
 * Bytes per second over the last few seconds, from a running total of bytes moved. Small and in
 * memory: fed by progress events, read by views (a job's rate and time left, the overall ones).
 */
export class RateMeter {
  readonly #samples: Sample[] = [];
  #total = 0;

  /** `bytes` more moved at `at` (ms). */
  add(bytes: number, at: number): void {
    if (bytes <= 0) return;
    this.#total += bytes;
    const last = this.#samples.at(-1);
    // Samples closer than a tenth of a second are one: a burst of small files stays cheap.
    if (last && at - last.at < 100) last.bytes = this.#total;
    else this.#samples.push({ at, bytes: this.#total });
    this.#trim(at);
  }

  /** Bytes per second at `now`; null when too little has moved lately to say. */
  rate(now: number): number | null {
    this.#trim(now);
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last === first) return null;
    const span = Math.max(now - first.at, last.at - first.at);
    if (span < MIN_SPAN_MS || now - last.at > WINDOW_MS / 2) return null;
    return ((last.bytes - first.bytes) * 1000) / span;
  }

  #trim(now: number): void {
    while (this.#samples.length > 1 && now - this.#samples[0]!.at > WINDOW_MS)
      this.#samples.shift();
  }
}

/** Seconds left for `remaining` bytes at `rate`; null when there is no rate to go by. */
export function secondsLeft(remaining: number, rate: number | null): number | null {
  if (rate === null || rate <= 0) return null;
  return Math.max(0, Math.round(remaining / rate));
}
