import type { AgentBus } from '../agent-events.ts';
import type { Clock } from '../queue/clock.ts';
import type { Job, JobState } from '../queue/job.ts';
import type { Pause } from '../queue/pause-state.ts';
import type { ActivityState, AttentionItem, RunningJob } from './activity-state.ts';
import { RateMeter, secondsLeft } from './rate-meter.ts';

export type { ActivityState, AttentionItem, RunningJob } from './activity-state.ts';

/** At most this many `activity.changed` a second: what a tray icon and a window can redraw. */
const CHANGES_PER_SECOND = 4;
/** The files running now, as many as a tooltip or a window's header shows. */
const RUNNING_SHOWN = 20;

/** What the monitor reads from the rest of the agent. */
export interface ActivitySources {
  counts(): Record<JobState, number>;
  /** Jobs queued, running or retrying now, with their size and confirmed offset. */
  waitingJobs(): Array<{ id: string; size: number; confirmedBytes: number }>;
  /** The pause that holds the queue, and every one that does. */
  pause(): Pause | null;
  pauses(): Pause[];
  /** Whether uploads need a sign-in (signed out, or the stored sign-in no longer works). */
  signInNeeded(): boolean;
  /** Records MongoDB refused, and its reason for the newest. */
  mongoRefusals(): { count: number; detail: string | null };
}

interface RunEntry {
  size: number;
  sent: number;
  finished: boolean;
}

interface Live {
  job: Job;
  sent: number;
  meter: RateMeter;
}

/**
 * Follows the queue's events to say what the agent is doing: the current run's files and bytes,
 * per-job and overall rate and time left (small meters fed by progress), what runs now and what
 * needs attention. `summary()` answers any time; `activity.changed` is emitted on the bus at most
 * four times a second while something changes, carrying the summary.
 */
export class ActivityMonitor {
  readonly #bus: AgentBus;
  readonly #sources: ActivitySources;
  readonly #clock: Clock;
  readonly #overall = new RateMeter();
  readonly #live = new Map<string, Live>();
  #run: Map<string, RunEntry> | undefined;
  #totals = { filesDone: 0, bytesTotal: 0, bytesDone: 0 };
  #unsubscribe: (() => void) | undefined;
  #timer: unknown = null;
  #lastEmit = -Infinity;

  constructor(bus: AgentBus, sources: ActivitySources, clock: Clock) {
    this.#bus = bus;
    this.#sources = sources;
    this.#clock = clock;
  }

  start(): void {
    this.#unsubscribe ??= this.#bus.subscribe((event) => {
      switch (event.type) {
        case 'job.queued':
        case 'job.started':
        case 'job.done':
        case 'job.cancelled':
        case 'job.failed':
          this.#onJob(
            event.type,
            event.data.job,
            'willRetry' in event.data && event.data.willRetry,
          );
          return this.#changed();
        case 'job.progress':
          this.#onProgress(event.data.jobId, event.data.sentBytes);
          return this.#changed();
        case 'queue.paused':
        case 'queue.resumed':
        case 'auth.changed':
        case 'history.sync':
          return this.#changed();
        default:
          return;
      }
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The live figures of a running job, for its view; undefined when it is not running. */
  progressOf(jobId: string): Omit<RunningJob, 'job'> | undefined {
    const live = this.#live.get(jobId);
    return live && this.#figures(live, this.#clock.now());
  }

  summary(): ActivityState {
    const now = this.#clock.now();
    const run = this.#runFigures();
    const rate = this.#overall.rate(now);
    const running = [...this.#live.values()]
      .slice(0, RUNNING_SHOWN)
      .map((live) => ({ job: live.job, ...this.#figures(live, now) }));
    const counts = this.#sources.counts();
    return {
      counts,
      run,
      rateBytesPerSecond: rate,
      etaSeconds: secondsLeft(run.bytesTotal - run.bytesDone, rate),
      running,
      pause: this.#sources.pause(),
      attention: this.#attention(counts),
    };
  }

  #figures(live: Live, now: number): Omit<RunningJob, 'job'> {
    const rate = live.meter.rate(now);
    return {
      sentBytes: live.sent,
      rateBytesPerSecond: rate,
      etaSeconds: secondsLeft(live.job.size - live.sent, rate),
    };
  }

  #attention(counts: Record<JobState, number>): AttentionItem[] {
    const items: AttentionItem[] = [];
    if (counts.failed > 0) items.push({ kind: 'failed', count: counts.failed });
    const pauses = this.#sources.pauses();
    if (this.#sources.signInNeeded() || pauses.some((pause) => pause.kind === 'auth'))
      items.push({ kind: 'sign-in', count: null });
    for (const pause of pauses) {
      if (pause.kind === 'disk-full')
        items.push({ kind: 'disk-full', count: null, mount: pause.mount });
      if (pause.kind === 'offline') items.push({ kind: 'offline', count: null });
    }
    const refusals = this.#sources.mongoRefusals();
    if (refusals.count > 0) items.push({ kind: 'mongodb', ...refusals });
    return items;
  }

  #onJob(type: string, job: Job, willRetry: boolean): void {
    const run = this.#runMap();
    if (type === 'job.cancelled') {
      const entry = run.get(job.id);
      if (entry) this.#leave(run, job.id, entry);
      this.#live.delete(job.id);
    } else if (type === 'job.done' || (type === 'job.failed' && !willRetry)) {
      const entry = this.#enter(run, job);
      this.#update(entry, { finished: true, sent: job.size });
      this.#live.delete(job.id);
    } else {
      const entry = this.#enter(run, job);
      if (type === 'job.started') {
        this.#live.set(job.id, { job, sent: entry.sent, meter: new RateMeter() });
      } else {
        this.#update(entry, { sent: job.confirmedBytes });
        this.#live.delete(job.id);
      }
    }
    // Idle: the next job starts a new run.
    if (this.#totals.filesDone === run.size) this.#resetRun();
  }

  #onProgress(jobId: string, sentBytes: number): void {
    const now = this.#clock.now();
    const live = this.#live.get(jobId);
    if (live) {
      const moved = sentBytes - live.sent;
      live.sent = sentBytes;
      live.meter.add(moved, now);
      this.#overall.add(moved, now);
    }
    const entry = this.#runMap().get(jobId);
    if (entry && !entry.finished) this.#update(entry, { sent: sentBytes });
  }

  /** The job is (again) part of the run and not finished; its size as the job now says. */
  #enter(run: Map<string, RunEntry>, job: Job): RunEntry {
    let entry = run.get(job.id);
    if (!entry) {
      entry = { size: 0, sent: 0, finished: false };
      run.set(job.id, entry);
      this.#update(entry, { size: job.size, sent: job.confirmedBytes });
    } else {
      this.#update(entry, { size: job.size, finished: false });
    }
    return entry;
  }

  #leave(run: Map<string, RunEntry>, id: string, entry: RunEntry): void {
    this.#update(entry, { size: 0, sent: 0, finished: false });
    run.delete(id);
  }

  /** Changes an entry and the run's totals with it, so a summary never walks the run. */
  #update(entry: RunEntry, patch: Partial<RunEntry>): void {
    const totals = this.#totals;
    totals.bytesTotal -= entry.size;
    totals.bytesDone -= Math.min(entry.size, entry.sent);
    if (entry.finished) totals.filesDone--;
    Object.assign(entry, patch);
    totals.bytesTotal += entry.size;
    totals.bytesDone += Math.min(entry.size, entry.sent);
    if (entry.finished) totals.filesDone++;
  }

  #resetRun(): void {
    this.#run = new Map();
    this.#totals = { filesDone: 0, bytesTotal: 0, bytesDone: 0 };
  }

  /** The run, read from the database the first time it is needed (jobs waiting from before). */
  #runMap(): Map<string, RunEntry> {
    if (this.#run) return this.#run;
    this.#resetRun();
    const run = this.#run!;
    for (const job of this.#sources.waitingJobs()) {
      const entry = { size: 0, sent: 0, finished: false };
      run.set(job.id, entry);
      this.#update(entry, { size: job.size, sent: job.confirmedBytes });
    }
    return run;
  }

  #runFigures(): ActivityState['run'] {
    const run = this.#runMap();
    let { bytesDone } = this.#totals;
    // Running jobs count what they sent, not only what Drive confirmed.
    for (const [id, live] of this.#live) {
      const entry = run.get(id);
      if (entry && !entry.finished)
        bytesDone += Math.max(
          0,
          Math.min(entry.size, live.sent) - Math.min(entry.size, entry.sent),
        );
    }
    return {
      filesDone: this.#totals.filesDone,
      filesTotal: run.size,
      bytesDone,
      bytesTotal: this.#totals.bytesTotal,
    };
  }

  /** Emits `activity.changed` soon, at most CHANGES_PER_SECOND times a second. */
  #changed(): void {
    if (this.#timer !== null || !this.#unsubscribe) return;
    const gap = 1000 / CHANGES_PER_SECOND;
    const wait = Math.max(0, this.#lastEmit + gap - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#lastEmit = this.#clock.now();
      this.#bus.emit('activity.changed', { summary: this.summary() });
    }, wait);
  }
}
