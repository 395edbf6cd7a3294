import type BetterQueue from 'better-queue';

/** What better-queue hands the process function: one claimed job, or a spent slot. */
export interface SlotTask {
  jobId: string | null;
}

type Callback<T> = (error: unknown, value: T) => void;

/**
 * better-queue's store, over the jobs table. better-queue decides WHEN and HOW MANY uploads
 * start (concurrency, pause); the database decides WHICH job (priority, then arrival), at the
 * moment a slot is taken, in the same statement that marks it `running`.
 *
 * What better-queue 3.8 holds are slot tokens, not jobs, because of what we measured:
 * - pushing each job costs ~5 s and ~400 MB for 100,000 (a Ticket, timers and a uuid per task), so
 *   the backlog stays in SQLite and the queue offers at most `concurrency` slots at a time;
 * - a task waiting out `retryDelay` lives only in memory, and retry counts too: better-queue never
 *   retries here (every attempt ends with cb(null)); attempts and next-attempt times are columns;
 * - its crash recovery (`getRunningTasks` at connect) restarts locked tasks outside its concurrency
 *   count: recovery is ours, before better-queue exists, so `connect` finds nothing locked.
 * Because the job is chosen at take time, a drop that arrives after the slots were offered still
 * goes ahead of a watch backlog, and a job cancelled meanwhile is never started.
 */
export class BetterQueueStore implements BetterQueue.Store<SlotTask> {
  readonly #claimNext: () => string | null;
  readonly #onStored: ((waiting: number) => void) | undefined;
  #slots: string[] = [];
  readonly #locks = new Map<string, Record<string, SlotTask>>();
  #nextLock = 0;

  /**
   * `claimNext` moves the best runnable job to `running` and returns its id, or null; `onStored`
   * hears how many slots wait once better-queue stored one (it does so a timer after the push).
   */
  constructor(claimNext: () => string | null, onStored?: (waiting: number) => void) {
    this.#claimNext = claimNext;
    this.#onStored = onStored;
  }

  /** Slots offered and not taken yet. */
  get waiting(): number {
    return this.#slots.length;
  }

  connect(cb: Callback<number>): void {
    cb(null, this.#slots.length);
  }

  /** Every slot is new to better-queue, so it counts each one (its `length`). */
  getTask(_taskId: string, cb: Callback<SlotTask>): void {
    cb(null, undefined as unknown as SlotTask);
  }

  putTask(taskId: string, _task: SlotTask, _priority: number, cb: (error: unknown) => void): void {
    if (!this.#slots.includes(taskId)) this.#slots.push(taskId);
    cb(null);
    this.#onStored?.(this.#slots.length);
  }

  deleteTask(taskId: string, cb: () => void): void {
    this.#slots = this.#slots.filter((id) => id !== taskId);
    cb();
  }

  takeFirstN(n: number, cb: Callback<string>): void {
    const lockId = String(this.#nextLock++);
    const batch: Record<string, SlotTask> = {};
    for (const slot of this.#slots.splice(0, n)) batch[slot] = { jobId: this.#claimNext() };
    if (Object.keys(batch).length) this.#locks.set(lockId, batch);
    cb(null, lockId);
  }

  takeLastN(n: number, cb: Callback<string>): void {
    this.takeFirstN(n, cb);
  }

  getLock(lockId: string, cb: Callback<Record<string, SlotTask>>): void {
    cb(null, this.#locks.get(lockId) ?? {});
  }

  getRunningTasks(cb: Callback<Record<string, Record<string, SlotTask>>>): void {
    cb(null, {});
  }

  releaseLock(lockId: string, cb: (error: unknown) => void): void {
    this.#locks.delete(lockId);
    cb(null);
  }
}
