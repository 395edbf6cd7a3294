import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { ConflictPolicy } from '../config/settings-schema.ts';
import type { Uploader } from '../drive/uploader.ts';
import type { EventBus } from '../events/event-bus.ts';
import { CommitParticipants } from '../store/commit-participants.ts';
import { diskFullReason, mountPointOf, onDiskFull } from '../store/disk-full.ts';
import { transaction } from '../store/transaction.ts';
import { AttemptRunner, CANCELLING, PAUSING, STOPPING } from './attempt-runner.ts';
import { ClaimLeases } from './claim-leases.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AddedJob, PlannedFile } from './enqueue-result.ts';
import { JobIntake, restart, type EnqueueItem } from './job-intake.ts';
import type { Job, JobState } from './job.ts';
import { JobStore, type JobPage, type ListJobsOptions } from './job-store.ts';
import { OutcomeRecorder, type FinishedJob } from './outcome-recorder.ts';
import type { AuthPauseCause, Pause, PauseKind } from './pause-state.ts';
import { QueueContext } from './queue-context.ts';
import type { QueueEvents } from './queue-events.ts';
import { QueuePauses } from './queue-pauses.ts';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';
import { RetryTimer } from './retry-timer.ts';
import { SlotRunner } from './slot-runner.ts';

export { EnqueueError } from './file-versions.ts';
export { PRIORITY, type EnqueueItem } from './job-intake.ts';
export type { FinishedJob } from './outcome-recorder.ts';
export type { AuthPauseCause, Pause, PauseKind } from './pause-state.ts';

export interface UploadQueueOptions {
  db: DatabaseSync;
  bus: Pick<EventBus<QueueEvents>, 'emit'>;
  uploader: Uploader;
  concurrency: number;
  logger?: Logger;
  clock?: Clock;
  retry?: RetryPolicyOptions;
  /** Cheap reachability check polled while offline; without one the next attempt probes. */
  networkProbe?: () => Promise<boolean>;
  /**
   * Whether Google gives an access token now, polled after an upload was refused for want of one;
   * without it, only `signedIn()` or `resume()` lift that pause.
   */
  accessProbe?: () => Promise<boolean>;
  /** Whether DriveUp can write again after a full disk; by default, a write to the database. */
  diskProbe?: () => Promise<boolean>;
  /** Delays between the probes of every wait (network, access, disk). */
  waitDelayMs?: { initial: number; max: number };
  defaultConflictPolicy?: ConflictPolicy;
}

/** How long a stop waits for aborted uploads to let go of their sockets and files. Bounded: an
 * upload can be stuck where no abort reaches (a read from a FIFO, a token request that never
 * answers), and a stop must not wait for it. */
const STOP_GRACE_MS = 1000;
/** Jobs cancelled per commit by `cancelAll`. */
const CANCEL_BATCH = 500;

/**
 * The durable upload queue. Every job is a row before anything else happens, and every state
 * change is committed before its side effect (an upload starting, an event, a retry timer).
 *
 * Its parts: adding jobs (job-intake.ts), the slots better-queue runs (slot-runner.ts), running an
 * attempt (attempt-runner.ts), recording how it ended (outcome-recorder.ts), and why the queue
 * holds (queue-pauses.ts). Retries and their backoff are columns (attempts, next_attempt_at,
 * failing_since) with one timer for the next due one (retry-timer.ts); crash recovery happens
 * before better-queue starts.
 *
 * The commit that finishes a job is open to participants (`finishing`): the agent adds the history
 * record and the watch journal there, so that they commit with the job, while the queue knows
 * neither.
 */
export class UploadQueue {
  /** Join the commit that marks a job done, failed or cancelled (synchronous database work only). */
  readonly finishing = new CommitParticipants<FinishedJob>();
  readonly #ctx: QueueContext;
  readonly #jobs: JobStore;
  readonly #retry: RetryPolicy;
  readonly #leases: ClaimLeases;
  readonly #intake: JobIntake;
  readonly #pauses: QueuePauses;
  readonly #outcomes: OutcomeRecorder;
  readonly #attempts: AttemptRunner;
  readonly #slots: SlotRunner;
  readonly #retryTimer: RetryTimer;
  readonly #stopListening: () => void;
  #phase: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #stopped: Promise<void> | undefined;

  constructor(options: UploadQueueOptions) {
    const db = options.db;
    this.#jobs = new JobStore(db);
    this.#ctx = new QueueContext({
      db,
      jobs: this.#jobs,
      clock: options.clock ?? systemClock,
      logger: options.logger,
      bus: options.bus,
      onDiskFull: (path) => this.#diskFull(path),
    });
    this.#leases = new ClaimLeases(db, this.#jobs);
    this.#retry = new RetryPolicy(options.retry);
    this.#intake = new JobIntake(this.#ctx, options.defaultConflictPolicy);
    this.#pauses = new QueuePauses({
      db,
      clock: this.#ctx.clock,
      networkProbe: options.networkProbe,
      accessProbe: options.accessProbe,
      diskProbe: options.diskProbe,
      waitDelayMs: options.waitDelayMs,
      onWaitOver: (kind) => this.#lift(kind),
      write: (what, fn) => this.#ctx.write(what, fn),
    });
    this.#outcomes = new OutcomeRecorder({
      ctx: this.#ctx,
      retry: this.#retry,
      finishing: this.finishing,
      accessRefused: () => this.#accessRefused(),
      offline: () => this.#goOffline(),
    });
    this.#attempts = new AttemptRunner({
      ctx: this.#ctx,
      uploader: options.uploader,
      leases: this.#leases,
      outcomes: this.#outcomes,
      stopped: () => this.#phase === 'stopped',
      open: () => this.#phase === 'running' && !this.#pauses.current,
      concurrency: () => this.#slots.concurrency,
      afterRun: () => {
        this.#armRetryTimer();
        this.#slots.pump();
      },
    });
    this.#slots = new SlotRunner({
      concurrency: options.concurrency,
      claim: () => this.#attempts.claimNext(),
      run: (jobId) => this.#attempts.run(jobId),
      runnable: (limit) => this.#jobs.runnable(limit, this.#ctx.clock.now()).length,
      busy: () => this.#attempts.busy,
      open: () => this.#phase === 'running' && !this.#pauses.current,
      logger: options.logger,
    });
    this.#retryTimer = new RetryTimer(this.#ctx.clock, this.#jobs, () => this.#slots.pump());
    this.#stopListening = onDiskFull(db, () => this.#diskFull(this.#ctx.databasePath()));
  }

  /**
   * Persists one job per item (one transaction for the batch) and returns them in order, each with
   * what adding it did (see enqueue-result.ts). The same unchanged file for the same folder is one
   * job: waiting or running, it is answered as it is; done, it is answered as already uploaded
   * unless `force` asks for another upload; failed or cancelled, it is queued again. Throws
   * EnqueueError, queuing nothing, when a file cannot be read, and DiskFullError when the disk is.
   */
  async enqueue(items: readonly EnqueueItem[]): Promise<AddedJob[]> {
    const added = await this.#intake.enqueue(items);
    if (added.length) this.#slots.pump();
    return added;
  }

  /** What `enqueue` would do with these items, writing nothing: a dry run. */
  plan(items: readonly EnqueueItem[]): Promise<PlannedFile[]> {
    return this.#intake.plan(items);
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** Job ids starting with `prefix` (short ids typed by people), at most `limit`. */
  idsWithPrefix(prefix: string, limit: number): string[] {
    return this.#jobs.idsWithPrefix(prefix, limit);
  }

  /**
   * Job `id`'s upload is no longer in Drive (moved to the trash through DriveUp): the same file
   * added again is uploaded again, where it was answered "already in Drive" with a link to the
   * trash. The job keeps its record.
   */
  forgetUpload(id: string): void {
    if (this.#jobs.get(id)?.state !== 'done') return;
    this.#ctx.write('could not forget an upload moved to the trash', () => this.#jobs.retire(id));
  }

  /** How many of a watch rule's jobs are in `state`. */
  countForRule(ruleId: string, state: JobState): number {
    return this.#jobs.countForRule(ruleId, state);
  }

  list(options: ListJobsOptions = {}): JobPage {
    return this.#jobs.list(options);
  }

  counts(): Record<JobState, number> {
    return this.#jobs.counts();
  }

  /** Files under `dir` a job still needs (staged files): all but those of done or cancelled jobs. */
  neededPathsUnder(dir: string): Set<string> {
    return this.#jobs.neededPathsUnder(dir);
  }

  isPaused(): boolean {
    return this.#pauses.current !== null;
  }

  /** The pause that holds the queue (the most pressing when several do), or null. */
  get currentPause(): Pause | null {
    return this.#pauses.current;
  }

  /** Every pause that holds the queue, most pressing first. */
  get pauses(): Pause[] {
    return this.#pauses.all;
  }

  /** Jobs queued, running or retrying, with their size and confirmed offset. */
  waitingJobs(): Array<{ id: string; size: number; confirmedBytes: number }> {
    return this.#jobs.waiting();
  }

  get pauseKind(): PauseKind | null {
    return this.#pauses.current?.kind ?? null;
  }

  get concurrency(): number {
    return this.#slots.concurrency;
  }

  /** Recovers jobs a crash left running (session and offset kept) and starts uploading. */
  async start(): Promise<void> {
    if (this.#phase !== 'idle') return;
    const recovered = this.#ctx.write('could not recover interrupted uploads', () =>
      this.#jobs.recoverRunning(this.#ctx.clock.now()),
    );
    if (recovered?.length) this.#ctx.logger?.info({ jobs: recovered.length }, 'recovered jobs');
    for (const job of recovered ?? []) this.#ctx.emit('job.queued', { job });
    this.#slots.start(this.#pauses.current !== null);
    this.#phase = 'running';
    if (this.#pauses.has('disk-full')) this.#pauses.startWait('disk-full');
    this.#armRetryTimer();
    this.#slots.pump();
  }

  /**
   * Stops taking work, aborts running attempts (their session and offset stay, they go back to
   * `queued`), and resolves once nothing touches the database any more.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /**
   * A person's pause: running uploads stop (back to `queued`, their confirmed offset kept) and
   * nothing starts until `resume()`, restarts included. `note` is what they said, if anything.
   */
  pause(note: string | null = null): void {
    this.#hold({ kind: 'user', note });
  }

  /**
   * Nothing starts until a sign-in resumes the queue; a person's own pause is left as it is.
   * `detail` is the sign-in service's account of the problem, if it has one.
   */
  waitForSignIn(cause: AuthPauseCause, detail: string | null = null): void {
    this.#hold({ kind: 'auth', cause, detail });
  }

  /** Google access is back: lifts the sign-in pause, and only that one. */
  signedIn(): void {
    this.#pauses.cancelWait('auth');
    this.#lift('auth');
  }

  /** A write failed for want of space outside the database (logs, staging): pauses like it. */
  reportDiskFull(path: string): void {
    this.#diskFull(path);
  }

  /** Lifts every pause (also "try now" while waiting for the network, a sign-in or disk space). */
  resume(): void {
    if (!this.#pauses.current) return;
    const { diskWasFull } = this.#pauses.clear();
    if (diskWasFull) this.#requeueOrphans();
    this.#resumed();
  }

  setConcurrency(n: number): void {
    this.#slots.setConcurrency(n);
  }

  /** A new retry window and backoff cap; jobs already waiting keep the time they were given. */
  setRetryPolicy(options: Pick<RetryPolicyOptions, 'windowMs' | 'maxDelayMs'>): void {
    this.#retry.update(options);
  }

  /**
   * Cancels a waiting or running job (a running upload is aborted and its slot freed at once).
   * Says whether it was cancelled, with the job as it now is; a finished job is left as it is;
   * undefined when there is no such job.
   */
  cancel(id: string): { cancelled: boolean; job: Job } | undefined {
    const now = this.#ctx.clock.now();
    const job = this.#outcomes.finish(id, { state: 'cancelled', finishedAt: new Date(now) }, now, [
      'queued',
      'running',
      'retrying',
    ]);
    if (!job) {
      const current = this.#jobs.get(id);
      return current && { cancelled: false, job: current };
    }
    this.#attempts.letGo(id, CANCELLING);
    return { cancelled: true, job };
  }

  /**
   * Cancels every job waiting, retrying or uploading (a folder added by mistake), or every one of
   * a watch rule given `ruleId` (the rule removed), a few hundred per commit; returns how many.
   * Those waiting go first, so no slot freed meanwhile starts one.
   */
  cancelAll(ruleId?: string): number {
    const ids = this.#jobs.unfinishedIds(ruleId);
    let cancelled = 0;
    for (let i = 0; i < ids.length; i += CANCEL_BATCH) {
      const batch = ids.slice(i, i + CANCEL_BATCH);
      // Durable: a cancel undone by a power cut would upload what someone stopped.
      transaction(this.#ctx.db, () => {
        for (const id of batch) if (this.cancel(id)?.cancelled) cancelled++;
      });
    }
    return cancelled;
  }

  /** A failed or cancelled job starts over; a retrying one runs now. */
  retry(id: string): Job | undefined {
    const now = this.#ctx.clock.now();
    const job =
      this.#jobs.update(id, restart(), now, ['failed', 'cancelled']) ??
      this.#jobs.update(id, { state: 'queued', nextAttemptAt: null }, now, ['retrying']);
    if (!job) return this.#jobs.get(id);
    this.#ctx.emit('job.queued', { job });
    this.#slots.pump();
    return job;
  }

  /** Every failed job starts over; returns how many. */
  retryFailed(): number {
    const jobs = transaction(this.#ctx.db, () => this.#jobs.requeueFailed(this.#ctx.clock.now()));
    for (const job of jobs) this.#ctx.emit('job.queued', { job });
    this.#slots.pump();
    return jobs.length;
  }

  /**
   * Holds the queue for one more reason. A person's pause and a full disk also stop the uploads
   * under way (they go back to `queued`); a sign-in or network wait leaves them to finish or fail.
   */
  #hold(pause: Pause): void {
    const changed = this.#pauses.hold(pause);
    this.#slots.pause();
    if (pause.kind === 'user' || pause.kind === 'disk-full') this.#attempts.letGoAll(PAUSING);
    if (changed) this.#announcePause();
  }

  #lift(kind: PauseKind): void {
    if (!this.#pauses.has(kind)) return;
    const changed = this.#pauses.lift(kind);
    if (kind === 'disk-full') this.#requeueOrphans();
    if (!this.#pauses.current) return this.#resumed();
    if (changed) this.#announcePause();
  }

  #announcePause(): void {
    const pause = this.#pauses.current;
    if (pause) this.#ctx.emit('queue.paused', { pause });
  }

  #resumed(): void {
    this.#ctx.emit('queue.resumed', {});
    if (this.#phase === 'running') this.#slots.resume();
  }

  #goOffline(): void {
    this.#hold({ kind: 'offline' });
    if (this.#phase === 'running') this.#pauses.startWait('offline');
  }

  /** An upload was refused for want of access: wait for a sign-in, or for a token to come back. */
  #accessRefused(): void {
    this.#hold({ kind: 'auth', cause: 'expired', detail: null });
    if (this.#phase === 'running') this.#pauses.startWait('auth');
  }

  /**
   * Nothing more can be written where `path` is: pause (running uploads stop too, their offsets
   * kept where they could be) and probe, with backoff, until a write succeeds again. Often called
   * from inside a failing write, so the writes of letting go come after it.
   */
  #diskFull(path: string): void {
    if (this.#pauses.has('disk-full') || this.#phase === 'stopped') return;
    this.#ctx.logger?.error({ path }, diskFullReason(path));
    const changed = this.#pauses.hold({ kind: 'disk-full', path, mount: mountPointOf(path) });
    this.#slots.pause();
    if (changed) this.#announcePause();
    queueMicrotask(() => {
      if (this.#pauses.has('disk-full')) this.#attempts.letGoAll(PAUSING);
    });
    if (this.#phase === 'running') this.#pauses.startWait('disk-full');
  }

  #requeueOrphans(): void {
    this.#outcomes.requeueOrphans((id) => this.#attempts.holds(id));
  }

  #armRetryTimer(): void {
    if (this.#phase === 'running') this.#retryTimer.arm();
  }

  async #stop(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    this.#slots.pause();
    this.#pauses.cancelWaits();
    this.#retryTimer.cancel();
    this.#attempts.letGoAll(STOPPING);
    await this.#slots.drained();
    await this.#attempts.recorded();
    await this.#attempts.settledWithin(STOP_GRACE_MS);
    if (wasRunning) await this.#slots.destroy();
    // Kept leases cost the next start a Drive lookup each, nothing more.
    this.#ctx.write('could not give back unused claim leases', () => this.#leases.release());
    this.#stopListening();
    this.#phase = 'stopped';
  }
}
