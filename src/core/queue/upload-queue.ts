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
import {
  DiskFullError,
  diskFullReason,
  isDiskFull,
  onDiskFull,
  probeDatabase,
} from '../store/disk-full.ts';
import { transaction, type TransactionOptions } from '../store/transaction.ts';
import { BetterQueueStore, type SlotTask } from './better-queue-store.ts';
import { ClaimLeases, type Claim } from './claim-leases.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AddedJob, EnqueueStatus, PlannedFile } from './enqueue-result.ts';
import { readFileVersions } from './file-versions.ts';
import { NAMED_FILE, type FileScope } from '../drive/file-scope.ts';
import { fingerprintOf, readFileVersion, type FileVersion } from './fingerprint.ts';
import type { Job, JobSource, JobState } from './job.ts';
import type { JobPatch } from './job-row.ts';
import { JobStore, type JobPage, type ListJobsOptions } from './job-store.ts';
import { PauseState, type PauseKind } from './pause-state.ts';
import { ProbeWait } from './probe-wait.ts';
import type { QueueEvents } from './queue-events.ts';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';
import { UserPause } from './user-pause.ts';

export { EnqueueError } from './file-versions.ts';
export type { PauseKind } from './pause-state.ts';

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
  /** Upload again even when this file is in that folder already (under the conflict policy). */
  force?: boolean;
}

/** How a job ended, beyond its state: the history needs it. */
export interface JobOutcome {
  /** `skip-identical` found the same content already in Drive. */
  skipped: boolean;
}

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
  /**
   * Called inside the transaction that marks a job done, failed or cancelled (the history
   * recorder): synchronous database work only; if it throws, the job is not marked finished.
   */
  onFinished?: (job: Job, outcome: JobOutcome) => void;
}

/** Why the queue let go of an attempt before it settled. */
const STOPPING = new Error('The upload queue is stopping');
const CANCELLING = new Error('The job was cancelled');
const PAUSING = new Error('Uploads were paused');
/** Jobs waiting their turn or under way: adding them again changes nothing. */
const WAITING: readonly JobState[] = ['queued', 'running', 'retrying'];
/** Jobs named to the uploader after each claim: enough for two slots freeing at once. */
const READ_AHEAD = 2;
/** Each job is named once; the last few are remembered so the next claims skip them. */
const HINTS_REMEMBERED = 8;
/**
 * How long a stop waits for aborted uploads to let go of their sockets and files. Bounded: an
 * upload can be stuck where no abort reaches (a read from a FIFO, a token request that never
 * answers), and a stop must not wait for it.
 */
const STOP_GRACE_MS = 1000;

type Settled = { ok: true; result: UploadResult } | { ok: false; error: unknown };
/** What an attempt's failure led to, for the log's level. */
type FailureOutcome = 'failed' | 'retrying' | 'waiting' | 'restarted';

interface Attempt {
  job: Job;
  controller: AbortController;
  /** Bytes Drive had confirmed when the attempt began. */
  startBytes: number;
  sentBytes: number;
  confirmedBytes: number;
  reportedBytes: number;
  /** Why the queue let go of the attempt before it settled (cancel, pause, stop), if it did. */
  letGo: Error | null;
  /** Resolves when the queue lets go: its slot is free then, whatever the upload is waiting on. */
  released: PromiseWithResolvers<void>;
  settled: PromiseWithResolvers<void>;
}

/**
 * The durable upload queue. Every job is a row before anything else happens, and every state
 * change is committed before its side effect (an upload starting, an event, a retry timer).
 *
 * better-queue runs the uploads (concurrency, pause/resume) over a store backed by the jobs
 * table (see better-queue-store.ts). What it does badly is done here instead: retries and their
 * backoff are columns (attempts, next_attempt_at, failing_since) with a timer for the next due
 * one; crash recovery happens before better-queue starts; and because 3.8 refills only while more
 * than one slot is free (`concurrent - running > 1`), every start, finish and resume tops the
 * slots up and nudges it (`resume()`), so N uploads really run at once.
 *
 * A slot is never held by an upload the queue has let go of: cancelling, pausing or stopping
 * aborts the attempt and frees its slot at once, and whatever the attempt still does when it
 * finally settles is ignored, except a success, which is recorded (the file is in Drive).
 */
export class UploadQueue {
  readonly #db: DatabaseSync;
  readonly #jobs: JobStore;
  readonly #o: UploadQueueOptions;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  readonly #network: ProbeWait;
  readonly #access: ProbeWait;
  readonly #disk: ProbeWait;
  readonly #slots: BetterQueueStore;
  /** Attempts holding a slot. */
  readonly #attempts = new Map<string, Attempt>();
  /** Attempts let go of that have not settled yet: their jobs are not claimed again meanwhile. */
  readonly #settling = new Map<string, Attempt>();
  /** Slot runs under way, so that a stop waits until none touches the database. */
  readonly #runs = new Set<Promise<void>>();
  /** Jobs claimed by a slot, as claimed, with whether an earlier attempt may have created the file. */
  readonly #claimed = new Map<string, Claim>();
  readonly #leases: ClaimLeases;
  readonly #userPause: UserPause;
  readonly #pauses = new PauseState();
  readonly #stopListening: () => void;
  /** Jobs recently named to the uploader's read-ahead, oldest first. */
  readonly #hinted = new Set<string>();
  #bq: BetterQueue<SlotTask> | undefined;
  #concurrency: number;
  #offered = 0;
  #nextSlot = 0;
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
    if (pausedFor !== null) this.#pauses.hold('user', pausedFor);
    this.#clock = options.clock ?? systemClock;
    this.#retry = new RetryPolicy(options.retry);
    this.#concurrency = validConcurrency(options.concurrency);
    this.#slots = new BetterQueueStore(() => this.#claimNext());
    this.#network = this.#wait(options.networkProbe, () => this.#lift('offline'));
    this.#access = this.#wait(options.accessProbe, () => this.#lift('auth'));
    const diskProbe = options.diskProbe ?? (async () => probeDatabase(this.#db));
    this.#disk = this.#wait(diskProbe, () => this.#lift('disk-full'));
    this.#stopListening = onDiskFull(this.#db, () => this.#diskFull(this.#databasePath()));
  }

  /**
   * Persists one job per item (one transaction for the batch) and returns them in order, each with
   * what adding it did (see enqueue-result.ts). The same unchanged file for the same folder is one
   * job: waiting or running, it is answered as it is; done, it is answered as already uploaded
   * unless `force` asks for another upload; failed or cancelled, it is queued again. Throws
   * EnqueueError, queuing nothing, when a file cannot be read, and DiskFullError when the disk is.
   */
  async enqueue(items: readonly EnqueueItem[]): Promise<AddedJob[]> {
    if (!items.length) return [];
    const versions = await readFileVersions(items.map((item) => item.path));
    const now = this.#clock.now();
    const queued: Job[] = [];
    let added: AddedJob[];
    try {
      added = transaction(this.#db, () =>
        items.map((item, i) => this.#enqueueOne(item, versions[i]!, now, queued)),
      );
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      const reason = diskFullReason(this.#databasePath());
      throw new DiskFullError(`Nothing was queued. ${reason}`, { cause: error });
    }
    for (const job of queued) this.#emit('job.queued', { job });
    this.#pump();
    return added;
  }

  /** What `enqueue` would do with these items, writing nothing: a dry run. */
  async plan(items: readonly EnqueueItem[]): Promise<PlannedFile[]> {
    const versions = await readFileVersions(items.map((item) => item.path));
    const seen = new Set<string>();
    return items.map((item, i) => {
      const version = versions[i]!;
      const fingerprint = fingerprintOf({ ...version, folderPath: item.folderPath });
      const existing = this.#jobs.byFingerprint(fingerprint) ?? null;
      const added = seen.has(fingerprint) ? 'already-queued' : statusOf(existing, item.force);
      if (added === 'queued') seen.add(fingerprint);
      const { path, name, size } = version;
      return { path, name, size, folderPath: item.folderPath, added, job: existing };
    });
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
    return this.#pauses.current !== null;
  }

  get pauseReason(): string | null {
    return this.#pauses.current?.reason ?? null;
  }

  get pauseKind(): PauseKind | null {
    return this.#pauses.current?.kind ?? null;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Recovers jobs a crash left running (session and offset kept) and starts uploading. */
  async start(): Promise<void> {
    if (this.#phase !== 'idle') return;
    const recovered = this.#write('could not recover interrupted uploads', () =>
      this.#jobs.recoverRunning(this.#clock.now()),
    );
    if (recovered?.length) this.#o.logger?.info({ jobs: recovered.length }, 'recovered jobs');
    for (const job of recovered ?? []) this.#emit('job.queued', { job });
    this.#bq = this.#createBetterQueue();
    if (this.#pauses.current) this.#bq.pause();
    this.#phase = 'running';
    if (this.#pauses.has('disk-full')) this.#disk.start();
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

  /**
   * A person's pause: running uploads stop (back to `queued`, their confirmed offset kept) and
   * nothing starts until `resume()`, restarts included.
   */
  pause(reason = 'Paused'): void {
    const current = this.#pauses.current;
    if (current?.kind !== 'user' || current.reason !== reason) {
      this.#write('could not keep the pause across restarts', () => this.#userPause.save(reason));
    }
    this.#hold('user', reason);
  }

  /** Nothing starts until a sign-in resumes the queue; a person's own pause is left as it is. */
  waitForSignIn(reason: string): void {
    this.#hold('auth', reason);
  }

  /** Google access is back: lifts the sign-in pause, and only that one. */
  signedIn(): void {
    this.#access.cancel();
    this.#lift('auth');
  }

  /** A write failed for want of space outside the database (logs, staging): pauses like it. */
  reportDiskFull(path: string): void {
    this.#diskFull(path);
  }

  /** Lifts every pause (also "try now" while waiting for the network, a sign-in or disk space). */
  resume(): void {
    if (!this.#pauses.current) return;
    if (this.#pauses.has('user')) {
      this.#write('could not forget the pause', () => this.#userPause.clear());
    }
    const diskWasFull = this.#pauses.has('disk-full');
    this.#pauses.clear();
    for (const wait of [this.#network, this.#access, this.#disk]) wait.cancel();
    if (diskWasFull) this.#requeueOrphans();
    this.#resumed();
  }

  setConcurrency(n: number): void {
    this.#concurrency = validConcurrency(n);
    // Read by better-queue before every take; not in its typings.
    if (this.#bq) (this.#bq as unknown as { concurrent: number }).concurrent = this.#concurrency;
    this.#pump();
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
    const now = this.#clock.now();
    const job = this.#finish(id, { state: 'cancelled', finishedAt: new Date(now) }, now, [
      'queued',
      'running',
      'retrying',
    ]);
    if (!job) {
      const current = this.#jobs.get(id);
      return current && { cancelled: false, job: current };
    }
    const attempt = this.#attempts.get(id);
    if (attempt) this.#letGo(attempt, CANCELLING);
    this.#emit('job.cancelled', { job });
    return { cancelled: true, job };
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

  #enqueueOne(item: EnqueueItem, version: FileVersion, now: number, queued: Job[]): AddedJob {
    const fingerprint = fingerprintOf({ ...version, folderPath: item.folderPath });
    const existing = this.#jobs.byFingerprint(fingerprint);
    const status = statusOf(existing, item.force);
    if (existing && status !== 'queued') return { ...existing, added: status };
    const request = {
      folderPath: item.folderPath,
      source: item.source,
      ruleId: item.ruleId ?? null,
      foundIn: (item.scope ?? NAMED_FILE).foundIn,
      followLinks: (item.scope ?? NAMED_FILE).followLinks,
      conflictPolicy: item.conflictPolicy ?? this.#o.defaultConflictPolicy ?? 'keep-both',
      priority: PRIORITY[item.source],
    };
    let job: Job;
    if (existing && existing.state !== 'done') {
      job = this.#jobs.update(existing.id, { ...restart(), ...request }, now)!;
    } else {
      // Uploaded again on request: a new job, tagged anew in Drive, so that the earlier upload is
      // not taken for this one; the earlier job keeps its record.
      if (existing) this.#jobs.retire(existing.id);
      job = this.#insert(version, fingerprint, request, now);
    }
    queued.push(job);
    return { ...job, added: 'queued' };
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
        const run = this.#run(task.jobId);
        this.#runs.add(run);
        void run.finally(() => {
          this.#runs.delete(run);
          cb();
        });
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
    if (this.#phase !== 'running' || this.#pauses.current || !this.#bq) return;
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
    if (this.#phase !== 'running' || this.#pauses.current) return null;
    const now = this.#clock.now();
    // A job still settling an attempt it was let go of (cancelled, then queued again) waits.
    const busy = this.#attempts.size + this.#settling.size;
    const [id, ...next] = this.#jobs
      .runnable(1 + READ_AHEAD + busy, now)
      .filter((candidate) => !this.#attempts.has(candidate) && !this.#settling.has(candidate));
    // A claim that cannot be written (a full disk pauses the queue through its listener) is no claim.
    const claim = id
      ? this.#write('could not claim the next upload', () => this.#leases.claim(id, now))
      : undefined;
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

  /** One slot's run: resolves when the attempt settled or the queue let go of it; never rejects. */
  async #run(jobId: string): Promise<void> {
    const claimed = this.#claimed.get(jobId);
    this.#claimed.delete(jobId);
    if (!claimed) return;
    const { job, maybeCreated } = claimed;
    const attempt = newAttempt(job);
    this.#attempts.set(jobId, attempt);
    try {
      this.#emit('job.started', { job });
      const outcome = settle(this.#o.uploader.upload(this.#request(job, attempt, maybeCreated)));
      void outcome.then(() => attempt.settled.resolve());
      const first = await Promise.race([outcome, attempt.released.promise.then(() => null)]);
      if (attempt.letGo) {
        void outcome.then((late) => this.#settledAfterLetGo(attempt, late));
        return;
      }
      this.#attempts.delete(jobId);
      if (first?.ok) this.#succeeded(job, first.result, ['running']);
      else await this.#attemptFailed(job, first?.error, attempt);
    } catch (error) {
      this.#o.logger?.error({ err: error, jobId }, 'upload slot failed');
    } finally {
      if (this.#attempts.get(jobId) === attempt) this.#attempts.delete(jobId);
      this.#armRetryTimer();
      this.#pump();
    }
  }

  /**
   * Frees the attempt's slot now, whatever the upload is waiting on: aborts it and, for a pause
   * or a stop, hands the job back to the queue (session and confirmed offset kept). Its callbacks
   * write only while the job is still `running`, so nothing it does later can undo this.
   */
  #letGo(attempt: Attempt, reason: Error): void {
    if (attempt.letGo) return;
    attempt.letGo = reason;
    const id = attempt.job.id;
    this.#attempts.delete(id);
    this.#settling.set(id, attempt);
    attempt.controller.abort(reason);
    if (reason !== CANCELLING) {
      this.#write('could not hand a stopped upload back to the queue', () => this.#requeue(id, {}));
    }
    attempt.released.resolve();
  }

  #letGoAll(reason: Error): void {
    for (const attempt of [...this.#attempts.values()]) this.#letGo(attempt, reason);
  }

  /** An attempt let go of has settled: a success still counts (the file is in Drive). */
  #settledAfterLetGo(attempt: Attempt, late: Settled): void {
    this.#settling.delete(attempt.job.id);
    if (this.#phase === 'stopped') return;
    if (late.ok) this.#succeeded(attempt.job, late.result, ['running', 'queued', 'cancelled']);
    this.#armRetryTimer();
    this.#pump();
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
    if (attempt.letGo) return;
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

  #succeeded(job: Job, result: UploadResult, from: readonly JobState[]): void {
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
      failingSince: null,
    };
    let done: Job | undefined;
    try {
      // A cancel that lost the race to Drive's answer: the file is there, so the job is done.
      done = this.#finish(job.id, patch, now, [...from, 'cancelled'], result.skipped);
    } catch (error) {
      // Not recorded: the next attempt finds the file by its job id instead of uploading again.
      this.#o.logger?.error({ err: error, jobId: job.id }, 'could not record a finished upload');
      this.#write('could not record a failed attempt', () =>
        this.#scheduleRetry(job, new UploadError('transient', describe(error)), now),
      );
      return;
    }
    if (done) this.#emit('job.done', { job: done });
  }

  async #attemptFailed(job: Job, error: unknown, attempt: Attempt): Promise<void> {
    const failure =
      error instanceof UploadError ? error : new UploadError('transient', describe(error));
    let outcome: FailureOutcome;
    try {
      outcome = await this.#handleFailure(job, failure, attempt);
    } catch (dbError) {
      this.#noteWriteFailure(dbError);
      this.#o.logger?.error({ err: dbError, jobId: job.id }, 'could not record a failed attempt');
      return;
    }
    const fields = { jobId: job.id, file: job.name, kind: failure.kind, err: failure.message };
    // A job given up on is an error; a failure the queue works around (retry, wait) a warning.
    if (outcome === 'failed') this.#o.logger?.error(fields, 'upload failed');
    else if (outcome === 'restarted') this.#o.logger?.info(fields, 'upload restarted');
    else this.#o.logger?.warn({ ...fields, outcome }, 'upload attempt failed; will try again');
  }

  async #handleFailure(job: Job, failure: UploadError, attempt: Attempt): Promise<FailureOutcome> {
    const now = this.#clock.now();
    const noted = { error: failure.message, errorKind: failure.kind };
    switch (failure.kind) {
      case 'transient':
        return this.#scheduleRetry(job, failure, now, attempt);
      case 'permanent':
        this.#fail(job.id, { ...noted, finishedAt: new Date(now) }, now);
        return 'failed';
      case 'auth':
        this.#requeue(job.id, noted);
        this.#accessRefused();
        return 'waiting';
      case 'offline':
        this.#requeue(job.id, noted);
        this.#goOffline();
        return 'waiting';
      case 'changed':
        return this.#restartOnNewContent(job, failure, attempt);
    }
  }

  /**
   * Retries with backoff while the failures have lasted less than the retry window; an attempt
   * that got more bytes confirmed starts the count afresh (a flaky link that makes progress is not
   * an outage).
   */
  #scheduleRetry(
    job: Job,
    failure: UploadError,
    now: number,
    attempt?: Attempt,
  ): 'retrying' | 'failed' {
    const progressed = attempt !== undefined && attempt.confirmedBytes > attempt.startBytes;
    const since = progressed ? now : (this.#jobs.failingSince(job.id) ?? now);
    const attempts = progressed ? 1 : (this.#jobs.get(job.id)?.attempts ?? job.attempts) + 1;
    const noted = { attempts, error: failure.message, errorKind: failure.kind };
    if (!this.#retry.allowsAnother(since, now)) {
      const error = `${failure.message} (tried again for ${describeSpan(now - since)}; giving up)`;
      this.#fail(job.id, { ...noted, error, finishedAt: new Date(now) }, now);
      return 'failed';
    }
    const at = now + this.#retry.delayMs(attempts, failure.retryAfterMs);
    const retrying = this.#jobs.update(
      job.id,
      { ...noted, state: 'retrying', nextAttemptAt: new Date(at), failingSince: new Date(since) },
      now,
      ['running'],
    );
    if (retrying) this.#emit('job.failed', { job: retrying, willRetry: true });
    return 'retrying';
  }

  #fail(id: string, patch: JobPatch, now: number): void {
    const failed = this.#finish(id, { ...patch, state: 'failed', failingSince: null }, now, [
      'running',
    ]);
    if (failed) this.#emit('job.failed', { job: failed, willRetry: false });
  }

  /** Back to `queued` without spending an attempt; session and confirmed offset kept. */
  #requeue(id: string, patch: JobPatch): void {
    const job = this.#jobs.update(id, { ...patch, state: 'queued' }, this.#clock.now(), [
      'running',
    ]);
    if (job) this.#emit('job.queued', { job });
  }

  /**
   * Jobs the database says are running that no slot holds: their attempt was let go of or failed
   * while the disk was full, so handing them back could not be written then.
   */
  #requeueOrphans(): void {
    const orphans = this.#jobs
      .runningIds()
      .filter((id) => !this.#attempts.has(id) && !this.#claimed.has(id));
    for (const id of orphans) {
      this.#write('could not hand an interrupted upload back to the queue', () =>
        this.#requeue(id, {}),
      );
    }
  }

  /** The file changed under the upload: the job now stands for its final content. */
  async #restartOnNewContent(
    job: Job,
    failure: UploadError,
    attempt: Attempt,
  ): Promise<FailureOutcome> {
    let version: FileVersion;
    try {
      version = await readFileVersion(job.path);
    } catch (error) {
      const now = this.#clock.now();
      const gone = `${job.name} changed during its upload and can no longer be read: ${describe(error)}`;
      this.#fail(job.id, { error: gone, errorKind: 'permanent', finishedAt: new Date(now) }, now);
      return 'failed';
    }
    const now = this.#clock.now();
    if (version.size === job.size && version.mtimeMs === job.mtimeMs) {
      // The uploader saw a change the file system does not show: do not loop without limit.
      return this.#scheduleRetry(job, failure, now, attempt);
    }
    const fingerprint = fingerprintOf({ ...version, folderPath: job.folderPath });
    const newer = this.#jobs.holderOf(fingerprint, job.id);
    if (newer) {
      this.#supersede(job, newer, now);
      return 'restarted';
    }
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
    return 'restarted';
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

  /**
   * Holds the queue for one more reason. A person's pause and a full disk also stop the uploads
   * under way (they go back to `queued`); a sign-in or network wait leaves them to finish or fail.
   */
  #hold(kind: PauseKind, reason: string): void {
    const changed = this.#pauses.hold(kind, reason);
    this.#bq?.pause();
    if (kind === 'user' || kind === 'disk-full') this.#letGoAll(PAUSING);
    if (changed) this.#emit('queue.paused', this.#pauses.current!);
  }

  #lift(kind: PauseKind): void {
    if (!this.#pauses.has(kind)) return;
    const changed = this.#pauses.lift(kind);
    if (kind === 'disk-full') this.#requeueOrphans();
    const current = this.#pauses.current;
    if (!current) return this.#resumed();
    if (changed) this.#emit('queue.paused', current);
  }

  #resumed(): void {
    this.#emit('queue.resumed', {});
    if (this.#phase === 'running') this.#bq?.resume();
    this.#pump();
  }

  #goOffline(): void {
    this.#hold('offline', OFFLINE_PAUSE_REASON);
    if (this.#phase === 'running') this.#network.start();
  }

  /** An upload was refused for want of access: wait for a sign-in, or for a token to come back. */
  #accessRefused(): void {
    this.#hold('auth', AUTH_PAUSE_REASON);
    if (this.#o.accessProbe && this.#phase === 'running') this.#access.start();
  }

  /**
   * Nothing more can be written where `path` is: pause (running uploads stop too, their offsets
   * kept where they could be) and probe, with backoff, until a write succeeds again. Often called
   * from inside a failing write, so the writes of letting go come after it.
   */
  #diskFull(path: string): void {
    if (this.#pauses.has('disk-full') || this.#phase === 'stopped') return;
    const reason = diskFullReason(path);
    this.#o.logger?.error({ path }, reason);
    const changed = this.#pauses.hold('disk-full', reason);
    this.#bq?.pause();
    if (changed) this.#emit('queue.paused', this.#pauses.current!);
    queueMicrotask(() => {
      if (this.#pauses.has('disk-full')) this.#letGoAll(PAUSING);
    });
    if (this.#phase === 'running') this.#disk.start();
  }

  #noteWriteFailure(error: unknown): void {
    if (isDiskFull(error)) this.#diskFull(this.#databasePath());
  }

  /** Runs a write whose failure must not stop the caller: logged, and a full disk pauses. */
  #write<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.#noteWriteFailure(error);
      this.#o.logger?.error({ err: error }, what);
      return undefined;
    }
  }

  #databasePath(): string {
    return this.#db.location() ?? 'the local database';
  }

  #wait(probe: (() => Promise<boolean>) | undefined, onReady: () => void): ProbeWait {
    const delays = this.#o.waitDelayMs;
    return new ProbeWait({
      clock: this.#clock,
      onReady,
      ...(probe ? { probe } : {}),
      ...(delays ? { initialDelayMs: delays.initial, maxDelayMs: delays.max } : {}),
    });
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
    for (const wait of [this.#network, this.#access, this.#disk]) wait.cancel();
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer.handle);
    this.#retryTimer = null;
    this.#letGoAll(STOPPING);
    await Promise.all(this.#runs);
    await settledWithin([...this.#settling.values()], STOP_GRACE_MS);
    const bq = this.#bq;
    if (wasRunning && bq) await new Promise<void>((resolve) => bq.destroy(() => resolve()));
    // Kept leases cost the next start a Drive lookup each, nothing more.
    this.#write('could not give back unused claim leases', () => this.#leases.release());
    this.#stopListening();
    this.#phase = 'stopped';
  }

  #emit<K extends keyof QueueEvents>(type: K, data: QueueEvents[K]): void {
    this.#o.bus.emit(type, data);
  }
}

function statusOf(existing: Job | null | undefined, force = false): EnqueueStatus {
  if (existing && WAITING.includes(existing.state)) return 'already-queued';
  if (existing?.state === 'done' && !force) return 'already-uploaded';
  return 'queued';
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
    failingSince: null,
  };
}

function scopeOf(job: Job): FileScope {
  return { foundIn: job.foundIn, followLinks: job.followLinks };
}

function newAttempt(job: Job): Attempt {
  return {
    job,
    controller: new AbortController(),
    startBytes: job.confirmedBytes,
    sentBytes: job.confirmedBytes,
    confirmedBytes: job.confirmedBytes,
    reportedBytes: 0,
    letGo: null,
    released: Promise.withResolvers<void>(),
    settled: Promise.withResolvers<void>(),
  };
}

function settle(upload: Promise<UploadResult>): Promise<Settled> {
  return upload.then(
    (result) => ({ ok: true, result }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** Waits for the attempts to settle, but no longer than `ms` (wall clock: it bounds a stop). */
async function settledWithin(attempts: readonly Attempt[], ms: number): Promise<void> {
  if (!attempts.length) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()));
  await Promise.race([Promise.all(attempts.map((a) => a.settled.promise)), late]);
  clearTimeout(timer);
}

function validConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be ≥ 1, got ${n}`);
  return n;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "45 s", "12 min", "24 h" */
function describeSpan(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3600_000)} h`;
}
