import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import BetterQueue from 'better-queue';
import { lookup } from 'mime-types';
import type { Logger } from 'pino';
import type { ConflictPolicy } from '../config/settings-schema.ts';
import {
  UploadError,
  type Uploader,
  type UploadRequest,
  type UploadResult,
} from '../drive/uploader.ts';
import type { EventBus } from '../events/event-bus.ts';
import { transaction, type TransactionOptions } from '../store/transaction.ts';
import { BetterQueueStore, type SlotTask } from './better-queue-store.ts';
import { ClaimLeases, type Claim } from './claim-leases.ts';
import { systemClock, type Clock } from './clock.ts';
import { readFileVersions } from './file-versions.ts';
import { NAMED_FILE, type FileScope } from './file-scope.ts';
import { fingerprintOf, readFileVersion, type FileVersion } from './fingerprint.ts';
import type { Job, JobSource, JobState } from './job.ts';
import type { JobPatch } from './job-row.ts';
import { JobStore, type JobPage, type ListJobsOptions } from './job-store.ts';
import { NetworkWait } from './network-wait.ts';
import type { QueueEvents } from './queue-events.ts';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';
import { UserPause } from './user-pause.ts';

export { EnqueueError } from './file-versions.ts';

/** Lower runs first: what a person hands over goes ahead of a watch-folder backlog. */
export const PRIORITY: Readonly<Record<JobSource, number>> = { drop: 0, cli: 0, watch: 10 };

export const AUTH_PAUSE_REASON = 'Google access expired: sign in again';
export const OFFLINE_PAUSE_REASON = 'No network connection: uploads continue when it is back';

export interface EnqueueItem {
  path: string;
  folderPath: string;
  source: JobSource;
  ruleId?: string | null;
  conflictPolicy?: ConflictPolicy;
  /** Where the file was found; a file a person named when absent. */
  scope?: FileScope;
}

/** How a job ended, beyond its state: the history needs it. */
export interface JobOutcome {
  /** `skip-identical` found the same content already in Drive. */
  skipped: boolean;
}

export type PauseKind = 'user' | 'auth' | 'offline';

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
  offlineDelayMs?: { initial: number; max: number };
  defaultConflictPolicy?: ConflictPolicy;
  /**
   * Called inside the transaction that marks a job done, failed or cancelled (the history
   * recorder): synchronous database work only; if it throws, the job is not marked finished.
   */
  onFinished?: (job: Job, outcome: JobOutcome) => void;
}

/** Why an attempt was aborted by the queue itself. */
const STOPPING = new Error('The upload queue is stopping');
const CANCELLING = new Error('The job was cancelled');
const ACTIVE: readonly JobState[] = ['queued', 'running', 'retrying', 'done'];
/** Jobs named to the uploader after each claim: enough for two slots freeing at once. */
const READ_AHEAD = 2;
/** Each job is named once; the last few are remembered so the next claims skip them. */
const HINTS_REMEMBERED = 8;

interface Attempt {
  controller: AbortController;
  sentBytes: number;
  confirmedBytes: number;
  reportedBytes: number;
  settled: PromiseWithResolvers<void>;
}

/**
 * The durable upload queue. Every job is a row before anything else happens, and every state
 * change is committed before its side effect (an upload starting, an event, a retry timer).
 *
 * better-queue runs the uploads (concurrency, pause/resume) over a store backed by the jobs
 * table (see better-queue-store.ts). What it does badly is done here instead: retries and their
 * backoff are columns (attempts, next_attempt_at) with a timer for the next due one; crash
 * recovery happens before better-queue starts; and because 3.8 refills only while more than one
 * slot is free (`concurrent - running > 1`), every start, finish and resume tops the slots up and
 * nudges it (`resume()`), so N uploads really run at once.
 */
export class UploadQueue {
  readonly #db: DatabaseSync;
  readonly #jobs: JobStore;
  readonly #o: UploadQueueOptions;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  readonly #network: NetworkWait;
  readonly #slots: BetterQueueStore;
  readonly #attempts = new Map<string, Attempt>();
  /** Jobs claimed by a slot, as claimed, with whether an earlier attempt may have created the file. */
  readonly #claimed = new Map<string, Claim>();
  readonly #leases: ClaimLeases;
  readonly #userPause: UserPause;
  /** Jobs recently named to the uploader's read-ahead, oldest first. */
  readonly #hinted = new Set<string>();
  #bq: BetterQueue<SlotTask> | undefined;
  #concurrency: number;
  #offered = 0;
  #nextSlot = 0;
  #pause: { kind: PauseKind; reason: string } | null = null;
  #phase: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #stopped: Promise<void> | undefined;
  #retryTimer: { handle: unknown; at: number } | null = null;

  constructor(options: UploadQueueOptions) {
    this.#o = options;
    this.#db = options.db;
    this.#jobs = new JobStore(options.db);
    this.#leases = new ClaimLeases(options.db, this.#jobs);
    this.#userPause = new UserPause(options.db);
    const pausedFor = this.#userPause.load();
    if (pausedFor !== null) this.#pause = { kind: 'user', reason: pausedFor };
    this.#clock = options.clock ?? systemClock;
    this.#retry = new RetryPolicy(options.retry);
    this.#concurrency = validConcurrency(options.concurrency);
    this.#slots = new BetterQueueStore(() => this.#claimNext());
    this.#network = new NetworkWait({
      clock: this.#clock,
      onOnline: () => this.#onOnline(),
      ...(options.networkProbe ? { probe: options.networkProbe } : {}),
      ...(options.offlineDelayMs
        ? { initialDelayMs: options.offlineDelayMs.initial, maxDelayMs: options.offlineDelayMs.max }
        : {}),
    });
  }

  /**
   * Persists one job per item (one transaction for the batch) and returns them in order. An
   * unchanged file already queued, running, retrying or done answers with its existing job; a
   * failed or cancelled one is queued again. Throws EnqueueError, queuing nothing, when a file
   * cannot be read.
   */
  async enqueue(items: readonly EnqueueItem[]): Promise<Job[]> {
    if (!items.length) return [];
    const versions = await readFileVersions(items.map((item) => item.path));
    const now = this.#clock.now();
    const queued: Job[] = [];
    const jobs = transaction(this.#db, () =>
      items.map((item, i) => this.#enqueueOne(item, versions[i]!, now, queued)),
    );
    for (const job of queued) this.#emit('job.queued', { job });
    this.#pump();
    return jobs;
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** Job ids starting with `prefix` (short ids typed by people), at most `limit`. */
  idsWithPrefix(prefix: string, limit: number): string[] {
    return this.#jobs.idsWithPrefix(prefix, limit);
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

  isPaused(): boolean {
    return this.#pause !== null;
  }

  get pauseReason(): string | null {
    return this.#pause?.reason ?? null;
  }

  get pauseKind(): PauseKind | null {
    return this.#pause?.kind ?? null;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Recovers jobs a crash left running (session and offset kept) and starts uploading. */
  async start(): Promise<void> {
    if (this.#phase !== 'idle') return;
    const recovered = this.#jobs.recoverRunning(this.#clock.now());
    if (recovered.length) this.#o.logger?.info({ jobs: recovered.length }, 'recovered jobs');
    for (const job of recovered) this.#emit('job.queued', { job });
    this.#bq = this.#createBetterQueue();
    if (this.#pause) this.#bq.pause();
    this.#phase = 'running';
    this.#armRetryTimer();
    this.#pump();
  }

  /**
   * Stops taking work, aborts running attempts (their session and offset stay, they go back to
   * `queued`), and resolves once nothing touches the database any more.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** A person's pause: running uploads finish, no new one starts until `resume()`, restarts included. */
  pause(reason = 'Paused'): void {
    if (this.#pause?.kind !== 'user' || this.#pause.reason !== reason) this.#userPause.save(reason);
    this.#setPause('user', reason);
  }

  /** Nothing starts until a sign-in resumes the queue; a person's own pause is left as it is. */
  waitForSignIn(reason: string): void {
    this.#setPause('auth', reason);
  }

  /** Lifts any pause (also "try now" while waiting for the network or a sign-in). */
  resume(): void {
    if (!this.#pause) return;
    if (this.#pause.kind === 'user') this.#userPause.clear();
    this.#pause = null;
    this.#network.cancel();
    this.#emit('queue.resumed', {});
    if (this.#phase === 'running') this.#bq?.resume();
    this.#pump();
  }

  setConcurrency(n: number): void {
    this.#concurrency = validConcurrency(n);
    // Read by better-queue before every take; not in its typings.
    if (this.#bq) (this.#bq as unknown as { concurrent: number }).concurrent = this.#concurrency;
    this.#pump();
  }

  /**
   * Cancels a waiting or running job (a running upload is aborted). Returns the job as it now
   * is; a finished job is left as it is; undefined when there is no such job.
   */
  cancel(id: string): Job | undefined {
    const now = this.#clock.now();
    const job = this.#finish(id, { state: 'cancelled', finishedAt: new Date(now) }, now, [
      'queued',
      'running',
      'retrying',
    ]);
    if (!job) return this.#jobs.get(id);
    this.#attempts.get(id)?.controller.abort(CANCELLING);
    this.#emit('job.cancelled', { job });
    return job;
  }

  /** A failed or cancelled job starts over; a retrying one runs now. */
  retry(id: string): Job | undefined {
    const now = this.#clock.now();
    const job =
      this.#jobs.update(id, restart(), now, ['failed', 'cancelled']) ??
      this.#jobs.update(id, { state: 'queued', nextAttemptAt: null }, now, ['retrying']);
    if (!job) return this.#jobs.get(id);
    this.#emit('job.queued', { job });
    this.#pump();
    return job;
  }

  /** Every failed job starts over; returns how many. */
  retryFailed(): number {
    const jobs = transaction(this.#db, () => this.#jobs.requeueFailed(this.#clock.now()));
    for (const job of jobs) this.#emit('job.queued', { job });
    this.#pump();
    return jobs.length;
  }

  #enqueueOne(item: EnqueueItem, version: FileVersion, now: number, queued: Job[]): Job {
    const fingerprint = fingerprintOf(version);
    const existing = this.#jobs.byFingerprint(fingerprint);
    if (existing && ACTIVE.includes(existing.state)) return existing;
    const request = {
      folderPath: item.folderPath,
      source: item.source,
      ruleId: item.ruleId ?? null,
      foundIn: (item.scope ?? NAMED_FILE).foundIn,
      followLinks: (item.scope ?? NAMED_FILE).followLinks,
      conflictPolicy: item.conflictPolicy ?? this.#o.defaultConflictPolicy ?? 'keep-both',
      priority: PRIORITY[item.source],
    };
    const job = existing
      ? this.#jobs.update(existing.id, { ...restart(), ...request }, now)!
      : this.#insert(version, fingerprint, request, now);
    queued.push(job);
    return job;
  }

  #insert(
    version: FileVersion,
    fingerprint: string,
    request: Pick<
      Job,
      'folderPath' | 'source' | 'ruleId' | 'foundIn' | 'followLinks' | 'conflictPolicy' | 'priority'
    >,
    now: number,
  ): Job {
    const at = new Date(now);
    const job: Job = {
      id: randomUUID(),
      ...version,
      md5: null,
      mimeType: lookup(version.name) || 'application/octet-stream',
      ...request,
      state: 'queued',
      attempts: 0,
      nextAttemptAt: null,
      error: null,
      errorKind: null,
      sessionUri: null,
      confirmedBytes: 0,
      driveFileId: null,
      webViewLink: null,
      queuedAt: at,
      startedAt: null,
      finishedAt: null,
      updatedAt: at,
    };
    this.#jobs.insert(job, fingerprint);
    return job;
  }

  #createBetterQueue(): BetterQueue<SlotTask> {
    const bq = new BetterQueue<SlotTask>(
      (task: SlotTask, cb: () => void) => {
        if (!task.jobId) return cb();
        void this.#run(task.jobId).finally(cb);
      },
      {
        store: this.#slots,
        concurrent: this.#concurrency,
        autoResume: false,
        // better-queue hops through setImmediate twice between one upload ending and the next
        // starting; behind a busy event loop each hop waits its turn, and with many small files
        // those waits left a slot idle ~10% of the time. Its own (untyped) option takes a microtask.
        ...({ setImmediate: queueMicrotask } as object),
      },
    );
    bq.on('task_started', () => this.#pump());
    bq.on('error', (error: unknown) => this.#o.logger?.error({ err: error }, 'scheduler error'));
    return bq;
  }

  /**
   * Keeps a slot waiting in better-queue for each job that could run (up to the concurrency),
   * then nudges it: 3.8 takes one slot per nudge once fewer than two are free.
   *
   * Slots wait ahead of need, while every upload is busy, because a push reaches better-queue only
   * after a setTimeout(0) (≥ 1 ms): offered only once an upload ended, it kept that upload's slot
   * idle meanwhile, ~5% of the time for a burst of small files. A waiting slot is taken as soon as
   * an upload ends; better-queue's own count keeps the uploads at the concurrency.
   */
  #pump(): void {
    if (this.#phase !== 'running' || this.#pause || !this.#bq) return;
    // Only ask the database when another slot could be offered: this runs on every start and finish.
    if (this.#offered < this.#concurrency) {
      const fillable = this.#jobs.runnable(this.#concurrency, this.#clock.now()).length;
      for (let i = this.#offered; i < fillable; i++) {
        this.#offered++;
        this.#bq.push({ id: `slot-${this.#nextSlot++}`, jobId: null } as SlotTask);
      }
    }
    if (this.#offered > 0 && this.#attempts.size < this.#concurrency) this.#bq.resume();
  }

  /** Called by the store as better-queue takes a slot: the best runnable job becomes `running`. */
  #claimNext(): string | null {
    this.#offered = Math.max(0, this.#offered - 1);
    if (this.#phase !== 'running' || this.#pause) return null;
    const now = this.#clock.now();
    // A job still settling an aborted attempt (cancelled, then queued again) waits its turn.
    const [id, ...next] = this.#jobs
      .runnable(1 + READ_AHEAD + this.#attempts.size, now)
      .filter((candidate) => !this.#attempts.has(candidate));
    const claim = id ? this.#leases.claim(id, now) : undefined;
    if (!claim) return null;
    this.#claimed.set(claim.job.id, claim);
    this.#hint(next.slice(0, READ_AHEAD));
    return claim.job.id;
  }

  /** Names the next jobs to the uploader, so it can read small files while the slots are busy. */
  #hint(ids: readonly string[]): void {
    const uploader = this.#o.uploader;
    if (!uploader.readAhead) return;
    for (const id of ids) {
      if (this.#hinted.has(id)) continue;
      this.#hinted.add(id);
      const job = this.#jobs.get(id);
      if (!job || job.sessionUri) continue;
      const { path, name, size, mtimeMs } = job;
      const scope = scopeOf(job);
      void uploader.readAhead({ jobId: id, path, name, expected: { size, mtimeMs }, scope });
    }
    for (const id of this.#hinted) {
      if (this.#hinted.size <= HINTS_REMEMBERED) break;
      this.#hinted.delete(id);
    }
  }

  async #run(jobId: string): Promise<void> {
    const claimed = this.#claimed.get(jobId);
    this.#claimed.delete(jobId);
    if (!claimed) return;
    const { job, maybeCreated } = claimed;
    const attempt: Attempt = {
      controller: new AbortController(),
      sentBytes: job.confirmedBytes,
      confirmedBytes: job.confirmedBytes,
      reportedBytes: 0,
      settled: Promise.withResolvers<void>(),
    };
    this.#attempts.set(jobId, attempt);
    this.#emit('job.started', { job });
    try {
      const result = await this.#o.uploader.upload(this.#request(job, attempt, maybeCreated));
      this.#succeeded(job, result);
    } catch (error) {
      await this.#attemptFailed(job, error, attempt.controller.signal);
    } finally {
      this.#attempts.delete(jobId);
      attempt.settled.resolve();
      this.#armRetryTimer();
      this.#pump();
    }
  }

  #request(job: Job, attempt: Attempt, maybeCreated: boolean): UploadRequest {
    const persist = (patch: JobPatch, options?: TransactionOptions) =>
      transaction(
        this.#db,
        () => this.#jobs.update(job.id, patch, this.#clock.now(), ['running']),
        options,
      );
    return {
      jobId: job.id,
      path: job.path,
      name: job.name,
      mimeType: job.mimeType,
      folderPath: job.folderPath,
      conflictPolicy: job.conflictPolicy,
      expected: { size: job.size, mtimeMs: job.mtimeMs },
      scope: scopeOf(job),
      resume: job.sessionUri
        ? { sessionUri: job.sessionUri, confirmedBytes: job.confirmedBytes }
        : null,
      // Any earlier attempt (crashed, stopped, unanswered) may have created the file in Drive.
      maybeCreated,
      signal: attempt.controller.signal,
      onSession: (sessionUri) => void persist({ sessionUri, confirmedBytes: 0 }),
      onConfirmed: (confirmedBytes) => {
        // Without waiting for the disk: a resumed upload asks the session where it stands before
        // sending (`bytes */N`), so an offset a power cut undid costs nothing but that question.
        // Each wait held the event loop ~1 ms a chunk, with the socket left unfed meanwhile.
        persist({ confirmedBytes }, { durable: false });
        attempt.confirmedBytes = confirmedBytes;
        attempt.sentBytes = Math.max(attempt.sentBytes, confirmedBytes);
        this.#progress(job, attempt, true);
      },
      onProgress: (sentBytes) => {
        attempt.sentBytes = sentBytes;
        this.#progress(job, attempt, false);
      },
    };
  }

  /** Progress events at most every 1% (and 256 KiB) of sent bytes, and on every confirmation. */
  #progress(job: Job, attempt: Attempt, force: boolean): void {
    const step = Math.max(256 * 1024, job.size / 100);
    if (
      !force &&
      attempt.sentBytes - attempt.reportedBytes < step &&
      attempt.sentBytes < job.size
    ) {
      return;
    }
    attempt.reportedBytes = attempt.sentBytes;
    this.#emit('job.progress', {
      jobId: job.id,
      sentBytes: attempt.sentBytes,
      confirmedBytes: attempt.confirmedBytes,
      size: job.size,
    });
  }

  #succeeded(job: Job, result: UploadResult): void {
    const now = this.#clock.now();
    const patch: JobPatch = {
      state: 'done',
      driveFileId: result.fileId,
      webViewLink: result.webViewLink,
      md5: result.md5,
      size: result.size,
      finishedAt: new Date(now),
      error: null,
      errorKind: null,
      nextAttemptAt: null,
      sessionUri: null,
      confirmedBytes: result.size,
    };
    let done: Job | undefined;
    try {
      // A cancel that lost the race to Drive's answer: the file is there, so the job is done.
      done = this.#finish(job.id, patch, now, ['running', 'cancelled'], result.skipped);
    } catch (error) {
      // Not recorded: the next attempt finds the file by its job id instead of uploading again.
      this.#o.logger?.error({ err: error, jobId: job.id }, 'could not record a finished upload');
      this.#scheduleRetry(job, new UploadError('transient', describe(error)), now);
      return;
    }
    if (done) this.#emit('job.done', { job: done });
  }

  async #attemptFailed(job: Job, error: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted && signal.reason === CANCELLING) return;
    if (signal.aborted && signal.reason === STOPPING) {
      this.#requeue(job.id, {});
      return;
    }
    const failure =
      error instanceof UploadError ? error : new UploadError('transient', describe(error));
    this.#o.logger?.info(
      { jobId: job.id, kind: failure.kind, err: failure.message },
      'upload attempt failed',
    );
    try {
      await this.#handleFailure(job, failure);
    } catch (dbError) {
      this.#o.logger?.error({ err: dbError, jobId: job.id }, 'could not record a failed attempt');
    }
  }

  async #handleFailure(job: Job, failure: UploadError): Promise<void> {
    const now = this.#clock.now();
    const noted = { error: failure.message, errorKind: failure.kind };
    switch (failure.kind) {
      case 'transient':
        return this.#scheduleRetry(job, failure, now);
      case 'permanent':
        return this.#fail(job.id, { ...noted, finishedAt: new Date(now) }, now);
      case 'auth':
        this.#requeue(job.id, noted);
        return this.#setPause('auth', AUTH_PAUSE_REASON);
      case 'offline':
        this.#requeue(job.id, noted);
        return this.#goOffline();
      case 'changed':
        return this.#restartOnNewContent(job, failure);
    }
  }

  #scheduleRetry(job: Job, failure: UploadError, now: number): void {
    const attempts = (this.#jobs.get(job.id)?.attempts ?? job.attempts) + 1;
    const noted = { attempts, error: failure.message, errorKind: failure.kind };
    if (!this.#retry.allowsAnother(attempts)) {
      this.#fail(job.id, { ...noted, finishedAt: new Date(now) }, now);
      return;
    }
    const at = now + this.#retry.delayMs(attempts, failure.retryAfterMs);
    const retrying = this.#jobs.update(
      job.id,
      { ...noted, state: 'retrying', nextAttemptAt: new Date(at) },
      now,
      ['running'],
    );
    if (retrying) this.#emit('job.failed', { job: retrying, willRetry: true });
  }

  #fail(id: string, patch: JobPatch, now: number): void {
    const failed = this.#finish(id, { ...patch, state: 'failed' }, now, ['running']);
    if (failed) this.#emit('job.failed', { job: failed, willRetry: false });
  }

  /** Back to `queued` without spending an attempt; session and confirmed offset kept. */
  #requeue(id: string, patch: JobPatch): void {
    const job = this.#jobs.update(id, { ...patch, state: 'queued' }, this.#clock.now(), [
      'running',
    ]);
    if (job) this.#emit('job.queued', { job });
  }

  /** The file changed under the upload: the job now stands for its final content. */
  async #restartOnNewContent(job: Job, failure: UploadError): Promise<void> {
    let version: FileVersion;
    try {
      version = await readFileVersion(job.path);
    } catch (error) {
      const now = this.#clock.now();
      const gone = `${job.name} changed during its upload and can no longer be read: ${describe(error)}`;
      return this.#fail(
        job.id,
        { error: gone, errorKind: 'permanent', finishedAt: new Date(now) },
        now,
      );
    }
    const now = this.#clock.now();
    if (version.size === job.size && version.mtimeMs === job.mtimeMs) {
      // The uploader saw a change the file system does not show: do not loop without limit.
      return this.#scheduleRetry(job, failure, now);
    }
    const fingerprint = fingerprintOf(version);
    const newer = this.#jobs.holderOf(fingerprint, job.id);
    if (newer) return this.#supersede(job, newer, now);
    this.#requeue(job.id, {
      size: version.size,
      mtimeMs: version.mtimeMs,
      fingerprint,
      md5: null,
      sessionUri: null,
      confirmedBytes: 0,
      error: failure.message,
      errorKind: 'changed',
    });
  }

  /** Its final content is another job already (usually the watcher queued the new version). */
  #supersede(job: Job, newer: Job, now: number): void {
    const error = `${job.name} changed during its upload; its final content is job ${newer.id}`;
    const cancelled = this.#finish(
      job.id,
      { state: 'cancelled', error, errorKind: 'changed', finishedAt: new Date(now) },
      now,
      ['running'],
    );
    if (cancelled) this.#emit('job.cancelled', { job: cancelled });
  }

  /**
   * A final state and the history record, committed together, without waiting for the disk: a
   * burst of small files spends a large share of its time in those fsyncs. What a power cut could
   * undo is recovered by design: the claim, or the lease it was taken under (claim-leases.ts), was
   * durable before any byte went to Drive, so the job comes back as an earlier attempt and is found
   * by its appProperties tag instead of uploaded again. Destructive follow-ups wait for a durable
   * commit: the watch service writes its journal (a durable commit, which syncs this one too)
   * before it moves or deletes the local file.
   */
  #finish(
    id: string,
    patch: JobPatch,
    now: number,
    from: readonly JobState[],
    skipped = false,
  ): Job | undefined {
    return transaction(
      this.#db,
      () => {
        const job = this.#jobs.update(id, { ...patch, nextAttemptAt: null }, now, from);
        if (job) this.#o.onFinished?.(job, { skipped });
        return job;
      },
      { durable: false },
    );
  }

  #setPause(kind: PauseKind, reason: string): void {
    // A person's pause stays a person's pause; a sign-in problem is worth saying over an outage.
    if (this.#pause?.kind === 'user' && kind !== 'user') return;
    if (this.#pause?.kind === 'auth' && kind === 'offline') return;
    if (this.#pause?.kind === kind && this.#pause.reason === reason) return;
    this.#pause = { kind, reason };
    this.#bq?.pause();
    this.#emit('queue.paused', { reason });
  }

  #goOffline(): void {
    if (this.#pause && this.#pause.kind !== 'offline') return;
    this.#setPause('offline', OFFLINE_PAUSE_REASON);
    if (this.#phase === 'running') this.#network.start();
  }

  #onOnline(): void {
    if (this.#pause?.kind === 'offline') this.resume();
  }

  /** Wakes the scheduler when the next waiting retry becomes due. */
  #armRetryTimer(): void {
    if (this.#phase !== 'running') return;
    const now = this.#clock.now();
    // Retries already due are taken as slots free up; the timer is for the next one to come.
    const at = this.#jobs.nextRetryAfter(now);
    if (this.#retryTimer && (at === null || this.#retryTimer.at <= at)) return;
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer.handle);
    this.#retryTimer = null;
    if (at === null) return;
    const handle = this.#clock.setTimeout(
      () => {
        this.#retryTimer = null;
        this.#pump();
        this.#armRetryTimer();
      },
      Math.max(0, at - now),
    );
    this.#retryTimer = { handle, at };
  }

  async #stop(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    this.#bq?.pause();
    this.#network.cancel();
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer.handle);
    this.#retryTimer = null;
    const attempts = [...this.#attempts.values()];
    for (const attempt of attempts) attempt.controller.abort(STOPPING);
    await Promise.all(attempts.map((attempt) => attempt.settled.promise));
    const bq = this.#bq;
    if (wasRunning && bq) await new Promise<void>((resolve) => bq.destroy(() => resolve()));
    try {
      this.#leases.release();
    } catch (error) {
      // Kept leases cost the next start a Drive lookup each, nothing more.
      this.#o.logger?.warn({ err: error }, 'could not give back unused claim leases');
    }
    this.#phase = 'stopped';
  }

  #emit<K extends keyof QueueEvents>(type: K, data: QueueEvents[K]): void {
    this.#o.bus.emit(type, data);
  }
}

/** Back to the start: a fresh set of attempts and a fresh upload. */
function restart(): JobPatch {
  return {
    state: 'queued',
    attempts: 0,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    finishedAt: null,
    sessionUri: null,
    confirmedBytes: 0,
  };
}

function scopeOf(job: Job): FileScope {
  return { foundIn: job.foundIn, followLinks: job.followLinks };
}

function validConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be ≥ 1, got ${n}`);
  return n;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
