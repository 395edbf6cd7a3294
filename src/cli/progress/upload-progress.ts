import type { AgentEvent } from '../agent-events.ts';
import type { JobView as Job } from '../api-views.ts';
import { cliPauseReason } from '../status-words.ts';

/** One file of an `add --wait`, as the live events last described it. */
export interface FileProgress {
  job: Job;
  /**
   * Bytes of this file that count as sent: what the running attempt reported, or Drive's
   * confirmed offset once an attempt ended (so a file that failed after its last byte and will
   * retry shows what Drive kept, not 100%).
   */
  sentBytes: number;
}

export interface ProgressSnapshot {
  /** `adding`: the agent has not answered the add yet, so which jobs are ours is not known. */
  phase: 'adding' | 'uploading';
  startedAt: number;
  paths: readonly string[];
  files: readonly FileProgress[];
  /** Why the queue starts nothing (paused by someone, waiting for sign-in, offline), if it does. */
  pauseReason: string | null;
  /** Bytes per second over the last few seconds; null until there is something to measure. */
  bytesPerSecond: number | null;
}

const FINAL = new Set<Job['state']>(['done', 'failed', 'cancelled']);
const SPEED_WINDOW_MS = 8_000;

export function isFinal(job: Job): boolean {
  return FINAL.has(job.state);
}

/**
 * The state of an `add --wait`, fed with the agent's events and the add's answer. Pure: no
 * clock, no terminal; `now` comes in with every change, and what to draw is `renderProgress`'s.
 */
export class UploadProgress {
  readonly #startedAt: number;
  readonly #paths: readonly string[];
  /** Events that came before the add's answer said which jobs are ours. */
  readonly #early = new Map<string, FileProgress>();
  #files: Map<string, FileProgress> | undefined;
  #pauseReason: string | null = null;
  /** Every byte reported sent, never going back (a retry starting over does not undo a second). */
  #sentTotal = 0;
  readonly #samples: Array<{ at: number; bytes: number }> = [];

  constructor(paths: readonly string[], now: number) {
    this.#paths = paths;
    this.#startedAt = now;
    this.#samples.push({ at: now, bytes: 0 });
  }

  /** The queue's state when waiting began. */
  setPause(reason: string | null): void {
    this.#pauseReason = reason;
  }

  /**
   * The add's answer: from now on only these jobs count. Returns those already finished (the
   * same file added before), which get their line at once.
   */
  added(jobs: readonly Job[], now: number): FileProgress[] {
    const files = new Map<string, FileProgress>();
    for (const job of jobs) {
      const seen = this.#early.get(job.id);
      // An event is newer than the answer unless the answer already says the job is over.
      files.set(job.id, seen && !isFinal(job) ? seen : { job, sentBytes: sentOf(job) });
    }
    this.#early.clear();
    this.#files = files;
    this.#sample(now);
    return [...files.values()].filter((file) => isFinal(file.job));
  }

  /** Applies one event; returns the files it finished (for their one line each). */
  apply(event: AgentEvent, now: number): FileProgress[] {
    const finished: FileProgress[] = [];
    switch (event.type) {
      case 'queue.paused':
        this.#pauseReason = cliPauseReason(event.data);
        break;
      case 'queue.resumed':
        this.#pauseReason = null;
        break;
      case 'job.progress': {
        const file = this.#file(event.data.jobId);
        if (file && !isFinal(file.job)) this.#setSent(file, event.data.sentBytes);
        break;
      }
      case 'job.queued':
      case 'job.started':
      case 'job.done':
      case 'job.failed':
      case 'job.cancelled': {
        const file = this.#update(event.data.job);
        // Before the answer, which jobs are ours is not known: `added()` reports those.
        if (file && this.#files && isFinal(file.job)) finished.push(file);
        break;
      }
    }
    this.#sample(now);
    return finished;
  }

  /**
   * Jobs as read again after events were lost (a `resync`); returns those that finished
   * meanwhile, for their one line each.
   */
  refreshed(jobs: readonly Job[], now: number): FileProgress[] {
    const finished: FileProgress[] = [];
    for (const job of jobs) {
      const file = this.#update(job);
      if (file && this.#files && isFinal(file.job)) finished.push(file);
    }
    this.#sample(now);
    return finished;
  }

  /** The ids of our jobs not finished yet (to read again after a `resync`). */
  unfinishedIds(): string[] {
    return [...(this.#files?.values() ?? [])]
      .filter((file) => !isFinal(file.job))
      .map((file) => file.job.id);
  }

  /** True once the add has answered and every one of its jobs is finished. */
  get complete(): boolean {
    return this.#files !== undefined && [...this.#files.values()].every((f) => isFinal(f.job));
  }

  /** The jobs as they last were, in the order the add answered them. */
  jobs(): Job[] {
    return [...(this.#files?.values() ?? [])].map((file) => file.job);
  }

  snapshot(now: number): ProgressSnapshot {
    this.#sample(now);
    const files = [...(this.#files?.values() ?? [])];
    return {
      phase: this.#files ? 'uploading' : 'adding',
      startedAt: this.#startedAt,
      paths: this.#paths,
      files,
      pauseReason: this.#pauseReason,
      // With nothing uploading (every file waiting to retry, or the queue paused), there is no
      // speed, and an ETA from the last seconds' average would promise what is not happening.
      bytesPerSecond: files.some((file) => file.job.state === 'running') ? this.#speed(now) : null,
    };
  }

  #file(id: string): FileProgress | undefined {
    return this.#files ? this.#files.get(id) : this.#early.get(id);
  }

  #update(job: Job): FileProgress | undefined {
    const known = this.#file(job.id);
    if (this.#files && !known) return undefined;
    if (known && isFinal(known.job)) return undefined;
    const file = known ?? { job, sentBytes: 0 };
    file.job = job;
    this.#setSent(file, sentOf(job));
    if (!known) this.#early.set(job.id, file);
    return file;
  }

  #setSent(file: FileProgress, bytes: number): void {
    this.#sentTotal += Math.max(0, bytes - file.sentBytes);
    file.sentBytes = bytes;
  }

  #sample(now: number): void {
    // At most four samples a second; the first stays as taken, it is what speed is measured from.
    const last = this.#samples.at(-1)!;
    if (this.#samples.length > 1 && now - last.at < 250) last.bytes = this.#sentTotal;
    else this.#samples.push({ at: now, bytes: this.#sentTotal });
    while (this.#samples.length > 2 && now - this.#samples[1]!.at > SPEED_WINDOW_MS)
      this.#samples.shift();
  }

  #speed(now: number): number | null {
    const first = this.#samples[0]!;
    const elapsed = now - first.at;
    if (elapsed < 1_000) return null;
    return ((this.#sentTotal - first.bytes) * 1000) / elapsed;
  }
}

/** A job between attempts counts what Drive confirmed; a running one starts there too. */
function sentOf(job: Job): number {
  return job.state === 'done' ? job.size : job.confirmedBytes;
}
