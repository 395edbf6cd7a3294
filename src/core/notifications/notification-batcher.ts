import { randomUUID } from 'node:crypto';
import type { AgentBus } from '../agent-events.ts';
import type { Job } from '../queue/job.ts';
import { systemClock, type Clock } from '../queue/clock.ts';
import { summarizeBatch } from './batch-summary.ts';
import type { BatchJob, NotificationBatch } from './notification-batch.ts';

/** What the batcher needs of a job that reached an end state. */
export type FinishedJob = Pick<
  Job,
  'id' | 'name' | 'folderPath' | 'state' | 'error' | 'webViewLink'
>;

/** `notifications.enabled` and `notifications.batchSeconds`, read when a window opens. */
export interface BatchSettings {
  enabled: boolean;
  batchSeconds: number;
}

export interface NotificationBatcherOptions {
  settings: () => BatchSettings;
  /** Called once per window that gathered something to say. */
  onBatch: (batch: NotificationBatch) => void;
  clock?: Clock;
  /** How many recent batches stay available to Review by id. */
  keep?: number;
  newId?: () => string;
}

interface OpenWindow {
  startedAt: number;
  jobs: Map<string, BatchJob>;
  timer: unknown;
}

/**
 * Gathers finished uploads into one notification per batch window, so that a burst of 500 files
 * is one sentence, not 500 pop-ups.
 *
 * - A window opens with the first finished job and closes `batchSeconds` later (a fixed window,
 *   not one that each job extends, so a steady stream is still announced every window); a
 *   window of 0 seconds still gathers everything that finishes in the same turn.
 * - Done and failed jobs are gathered; a cancelled one was a person's decision and is not
 *   announced (cancelling a job already gathered takes it out again). A job seen twice in one
 *   window (failed, retried, done) is announced once, in its last state.
 * - `notifications.enabled: false` silences successes only: failures are still gathered and
 *   announced, because a file that did not reach Drive must never go unnoticed.
 */
export class NotificationBatcher {
  readonly #settings: () => BatchSettings;
  readonly #onBatch: (batch: NotificationBatch) => void;
  readonly #clock: Clock;
  readonly #keep: number;
  readonly #newId: () => string;
  #open: OpenWindow | null = null;
  #recent: NotificationBatch[] = [];

  constructor(options: NotificationBatcherOptions) {
    this.#settings = options.settings;
    this.#onBatch = options.onBatch;
    this.#clock = options.clock ?? systemClock;
    this.#keep = options.keep ?? 50;
    this.#newId = options.newId ?? randomUUID;
  }

  /** A job reached `done`, `failed` (no retry left) or `cancelled`. */
  add(job: FinishedJob): void {
    if (job.state === 'cancelled') {
      this.#open?.jobs.delete(job.id);
      return;
    }
    if (job.state !== 'done' && job.state !== 'failed') return;
    const settings = this.#settings();
    if (job.state === 'done' && !settings.enabled) return;
    const gathering = this.#open ?? this.#openWindow(settings);
    gathering.jobs.delete(job.id); // re-insert so the order is the order of the last outcome
    gathering.jobs.set(job.id, {
      jobId: job.id,
      name: job.name,
      folder: job.folderPath,
      state: job.state,
      error: job.error,
      webViewLink: job.webViewLink,
    });
  }

  /** A recent batch, for Review; undefined once more than `keep` newer batches were made. */
  get(batchId: string): NotificationBatch | undefined {
    return this.#recent.find((batch) => batch.id === batchId);
  }

  /** Recent batches, newest first. */
  recent(): NotificationBatch[] {
    return [...this.#recent].reverse();
  }

  /** Closes the open window now (it is announced if it gathered anything). */
  flush(): NotificationBatch | undefined {
    const gathering = this.#open;
    if (!gathering) return undefined;
    this.#clock.clearTimeout(gathering.timer);
    return this.#close(gathering);
  }

  /** Forgets the open window without announcing it (the agent is stopping). */
  stop(): void {
    if (this.#open) this.#clock.clearTimeout(this.#open.timer);
    this.#open = null;
  }

  #openWindow(settings: BatchSettings): OpenWindow {
    const gathering: OpenWindow = {
      startedAt: this.#clock.now(),
      jobs: new Map(),
      timer: undefined,
    };
    gathering.timer = this.#clock.setTimeout(
      () => this.#close(gathering),
      Math.max(0, settings.batchSeconds) * 1000,
    );
    this.#open = gathering;
    return gathering;
  }

  #close(gathering: OpenWindow): NotificationBatch | undefined {
    if (this.#open === gathering) this.#open = null;
    const jobs = [...gathering.jobs.values()];
    if (jobs.length === 0) return undefined;
    const batch: NotificationBatch = {
      id: this.#newId(),
      startedAt: new Date(gathering.startedAt),
      endedAt: new Date(this.#clock.now()),
      jobs,
      summary: summarizeBatch(jobs),
    };
    this.#recent.push(batch);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    this.#onBatch(batch);
    return batch;
  }
}

/**
 * Feeds the batcher from the agent's bus: jobs that are done, failed for good, or cancelled.
 * A failure that will be retried is not an outcome yet. Returns the unsubscribe function.
 */
export function feedBatcher(bus: AgentBus, batcher: NotificationBatcher): () => void {
  const offs = [
    bus.on('job.done', ({ job }) => batcher.add(job)),
    bus.on('job.failed', ({ job, willRetry }) => {
      if (!willRetry) batcher.add(job);
    }),
    bus.on('job.cancelled', ({ job }) => batcher.add(job)),
  ];
  return () => offs.forEach((off) => off());
}
