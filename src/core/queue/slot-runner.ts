import BetterQueue from 'better-queue';
import type { Logger } from 'pino';
import { BetterQueueStore, type SlotTask } from './better-queue-store.ts';

export interface SlotRunnerOptions {
  concurrency: number;
  /** Moves the best runnable job to `running` and returns its id (null: nothing to run now). */
  claim(): string | null;
  /**
   * One slot's run: resolves once the slot is free again, whatever happened; never rejects.
   * Resolves with the job staged to take the slot next, if one was: the slot runs it at once.
   */
  run(jobId: string): Promise<string | null>;
  /** How many jobs could run now, counting up to `limit`. */
  runnable(limit: number): number;
  /** Uploads holding a slot now. */
  busy(): number;
  /** Whether uploads may start now (the queue is running and nothing holds it). */
  open(): boolean;
  logger?: Logger | undefined;
  /** Hears how many offered slots wait in better-queue each time it stores one. */
  onSlotStored?: (waiting: number) => void;
}

/**
 * The slots: better-queue runs the uploads (how many at once, pause and resume) over a store of
 * slot tokens backed by the jobs table (better-queue-store.ts); which job a slot runs is chosen
 * when the slot is taken.
 *
 * Every workaround better-queue 3.8 needs is here, each with its reason:
 * - It refills only while more than one slot is free (`concurrent - running > 1`): every start,
 *   finish and resume tops the slots up and nudges it (`resume()`), so N uploads really run.
 * - A push reaches it only after a setTimeout(0) (≥ 1 ms): slots are offered ahead of need, while
 *   every upload is busy, so a waiting slot is taken as soon as an upload ends.
 * - It hops through setImmediate twice between one upload ending and the next starting; behind a
 *   busy event loop each hop waits its turn, and with many small files those waits left a slot
 *   idle ~10% of the time. Its own (untyped) `setImmediate` option takes a microtask instead.
 * - Its concurrency is read before every take but is not in its typings (`setConcurrency`).
 * A slot whose run staged the next job (attempt-runner.ts) runs it within the same task, without
 * going back through better-queue: that is the hand-off staging saves.
 * Nothing else in the queue (and no test) depends on its timer turns: tests wait for events.
 */
export class SlotRunner {
  readonly #o: SlotRunnerOptions;
  readonly #store: BetterQueueStore;
  /** Slot runs under way, so that a stop waits until none touches the database. */
  readonly #runs = new Set<Promise<void>>();
  #bq: BetterQueue<SlotTask> | undefined;
  #concurrency: number;
  #offered = 0;
  #nextSlot = 0;

  constructor(options: SlotRunnerOptions) {
    this.#o = options;
    this.#concurrency = validConcurrency(options.concurrency);
    this.#store = new BetterQueueStore(() => this.#taken(), options.onSlotStored);
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  get started(): boolean {
    return this.#bq !== undefined;
  }

  start(paused: boolean): void {
    this.#bq = this.#create();
    if (paused) this.#bq.pause();
  }

  /** Nothing more starts until `resume()`. */
  pause(): void {
    this.#bq?.pause();
  }

  resume(): void {
    this.#bq?.resume();
    this.pump();
  }

  setConcurrency(n: number): void {
    this.#concurrency = validConcurrency(n);
    // Read by better-queue before every take; not in its typings.
    if (this.#bq) (this.#bq as unknown as { concurrent: number }).concurrent = this.#concurrency;
    this.pump();
  }

  /**
   * Keeps a slot waiting in better-queue for each job that could run (up to the concurrency),
   * then nudges it: 3.8 takes one slot per nudge once fewer than two are free.
   */
  pump(): void {
    const bq = this.#bq;
    if (!bq || !this.#o.open()) return;
    // Only ask the database when another slot could be offered: this runs on every start and finish.
    if (this.#offered < this.#concurrency) {
      const fillable = this.#o.runnable(this.#concurrency);
      for (let i = this.#offered; i < fillable; i++) {
        this.#offered++;
        bq.push({ id: `slot-${this.#nextSlot++}`, jobId: null } as SlotTask);
      }
    }
    if (this.#offered > 0 && this.#o.busy() < this.#concurrency) bq.resume();
  }

  /** Resolves once no slot run is under way. */
  async drained(): Promise<void> {
    await Promise.all(this.#runs);
  }

  /** Ends better-queue (after `drained()`); nothing runs afterwards. */
  async destroy(): Promise<void> {
    const bq = this.#bq;
    if (bq) await new Promise<void>((resolve) => bq.destroy(() => resolve()));
  }

  /** better-queue took a slot: the best runnable job becomes `running`. */
  #taken(): string | null {
    this.#offered = Math.max(0, this.#offered - 1);
    return this.#o.open() ? this.#o.claim() : null;
  }

  /** A slot's job, then each job staged to follow it while it waited for Drive's answer. */
  async #runChain(jobId: string): Promise<void> {
    let next: string | null = jobId;
    while (next !== null) next = await this.#o.run(next);
  }

  #create(): BetterQueue<SlotTask> {
    const bq = new BetterQueue<SlotTask>(
      (task: SlotTask, cb: () => void) => {
        if (!task.jobId) return cb();
        const run = this.#runChain(task.jobId);
        this.#runs.add(run);
        void run.finally(() => {
          this.#runs.delete(run);
          cb();
        });
      },
      {
        store: this.#store,
        concurrent: this.#concurrency,
        autoResume: false,
        ...({ setImmediate: queueMicrotask } as object),
      },
    );
    bq.on('task_started', () => this.pump());
    bq.on('error', (error: unknown) => this.#o.logger?.error({ err: error }, 'scheduler error'));
    return bq;
  }
}

function validConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be ≥ 1, got ${n}`);
  return n;
}
