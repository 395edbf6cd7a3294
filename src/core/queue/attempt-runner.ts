import type { Uploader, UploadRequest, UploadResult } from '../drive/uploader.ts';
import { transaction, type TransactionOptions } from '../store/transaction.ts';
import type { Claim, ClaimLeases } from './claim-leases.ts';
import { scopeOf } from './job-intake.ts';
import type { Job } from './job.ts';
import type { JobPatch } from './job-row.ts';
import type { OutcomeRecorder } from './outcome-recorder.ts';
import type { QueueContext } from './queue-context.ts';

/** Why the queue let go of an attempt before it settled. */
export const STOPPING = new Error('The upload queue is stopping');
export const CANCELLING = new Error('The job was cancelled');
export const PAUSING = new Error('Uploads were paused');
/** A staged attempt that its slot did not take (the job changed, the queue closed). */
const UNSTAGED = new Error('The upload prepared ahead was not needed');

/**
 * Jobs named to the uploader after each claim. A job is then named about four claims before its
 * own: with two, a small file's open, read and close (thread-pool trips behind a busy loop) were
 * not done in time for one upload in ten, which then waited for them (1 ms at p90, 6 ms at p99).
 */
const READ_AHEAD = 4;
/**
 * Only a file up to this size is staged: its turn is mostly Drive's latency, and what a staged
 * attempt holds while it waits (the file's bytes) stays small, as the read-ahead's does.
 */
const STAGED_MAX_BYTES = 256 * 1024;
/** Each job is named once; the last few are remembered so the next claims skip them. */
const HINTS_REMEMBERED = 16;

type Settled = { ok: true; result: UploadResult } | { ok: false; error: unknown };

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
  /** Opens when the attempt may send to Drive: when its slot takes it. */
  gate: PromiseWithResolvers<void>;
  /** The job staged to take this attempt's slot after it. */
  next: string | null;
}

/** An attempt and how it ended; a staged one sends nothing before its slot takes it. */
interface Started {
  attempt: Attempt;
  outcome: Promise<Settled>;
}

export interface AttemptRunnerOptions {
  ctx: QueueContext;
  uploader: Uploader;
  leases: ClaimLeases;
  outcomes: OutcomeRecorder;
  /** The queue has stopped: an attempt that settles late records nothing. */
  stopped(): boolean;
  /** Whether uploads may start now (the queue is running and nothing holds it). */
  open(): boolean;
  /** How many uploads may be out at once. */
  concurrency(): number;
  /** A slot freed: arm the retry timer, offer the slot again. */
  afterRun(): void;
}

/**
 * Runs attempts: claims the next job for a slot, hands it to the uploader with what the queue
 * knows (resumable session, whether an earlier attempt may have created the file), persists its
 * session and confirmed offset as they come, reports progress, and lets go of it on cancel, pause
 * or stop.
 *
 * While a slot's last request waits for Drive's answer, the job likely to take the slot next is
 * staged: its attempt starts (file read, request built) but sends nothing until the slot frees and
 * the job is claimed (`#takeStaged`). With small files, what lay between one answer and the next
 * request (the slot's hand-off, the claim, reading the file, building the request) was ~1.7 ms of
 * every 22 ms turn at a 20 ms latency; staged, ~1 ms is left (the claim, and Node's HTTP client).
 * A staged job stays `queued`, so nothing says it is uploading before it is; a pause or a cancel
 * drops it (`#unstage`).
 *
 * A slot is never held by an upload the queue has let go of: letting go aborts the attempt and
 * frees its slot at once, and whatever the attempt still does when it finally settles is ignored,
 * except a success, which is recorded (the file is in Drive).
 */
export class AttemptRunner {
  readonly #o: AttemptRunnerOptions;
  readonly #ctx: QueueContext;
  /** Attempts holding a slot. */
  readonly #attempts = new Map<string, Attempt>();
  /** Attempts let go of that have not settled yet: their jobs are not claimed again meanwhile. */
  readonly #settling = new Map<string, Attempt>();
  /** Jobs claimed by a slot, as claimed, with whether an earlier attempt may have created the file. */
  readonly #claimed = new Map<string, Claim>();
  /** Jobs recently named to the uploader's read-ahead, oldest first. */
  readonly #hinted = new Set<string>();
  /** Uploads done whose slot went to the next job before their success was recorded. */
  readonly #recording = new Map<string, Promise<void>>();
  /** Jobs prepared to take a slot when it frees, not claimed yet (still `queued`). */
  readonly #staged = new Map<string, Started>();

  constructor(options: AttemptRunnerOptions) {
    this.#o = options;
    this.#ctx = options.ctx;
  }

  /** Attempts holding a slot now. */
  get busy(): number {
    return this.#attempts.size;
  }

  /** Whether a slot holds this job (claimed or uploading), or its success is yet to be recorded. */
  holds(id: string): boolean {
    return this.#attempts.has(id) || this.#claimed.has(id) || this.#recording.has(id);
  }

  /** Moves the best runnable job to `running` for a slot; its id, or null. */
  claimNext(): string | null {
    const now = this.#ctx.clock.now();
    const [id, ...next] = this.#runnableNotInHand(1 + READ_AHEAD, now);
    // A claim that cannot be written (a full disk pauses the queue through its listener) is no claim.
    const claim = id
      ? this.#ctx.write('could not claim the next upload', () => this.#o.leases.claim(id, now))
      : undefined;
    if (!claim) return null;
    this.#claimed.set(claim.job.id, claim);
    // On the next turn: the claimed job's request goes out first, the reads it starts are for later.
    const ahead = next.slice(0, READ_AHEAD);
    if (ahead.length) setImmediate(() => this.#o.stopped() || this.#hint(ahead));
    return claim.job.id;
  }

  /**
   * One slot's run: resolves when the attempt settled or the queue let go of it; never rejects.
   * Resolves with the job staged to take the slot next, if one was prepared meanwhile.
   */
  async run(jobId: string): Promise<string | null> {
    const started = this.#start(jobId);
    if (!started) return null;
    const { attempt, outcome } = started;
    try {
      this.#ctx.emit('job.started', { job: attempt.job });
      attempt.gate.resolve();
      void outcome.then(() => attempt.settled.resolve());
      const first = await Promise.race([outcome, attempt.released.promise.then(() => null)]);
      if (attempt.letGo) {
        void outcome.then((late) => this.#settledAfterLetGo(attempt, late));
        return this.#follower(attempt);
      }
      this.#attempts.delete(jobId);
      if (first?.ok) this.#recordLater(attempt.job, first.result);
      else await this.#o.outcomes.attemptFailed(attempt.job, first?.error, attempt);
    } catch (error) {
      this.#ctx.logger?.error({ err: error, jobId }, 'upload slot failed');
    } finally {
      if (this.#attempts.get(jobId) === attempt) this.#attempts.delete(jobId);
      this.#afterRun(attempt);
    }
    return this.#follower(attempt);
  }

  /** A slot that goes on to its staged job does its bookkeeping once that job's request is out. */
  #afterRun(attempt: Attempt): void {
    if (this.#follower(attempt) === null) return this.#o.afterRun();
    setImmediate(() => this.#o.afterRun());
  }

  /** The claimed job's attempt begins, or a staged one is claimed now and its requests go out. */
  #start(jobId: string): Started | null {
    const staged = this.#staged.get(jobId);
    if (staged) return this.#takeStaged(staged);
    const claimed = this.#claimed.get(jobId);
    this.#claimed.delete(jobId);
    return claimed ? this.#begin(claimed.job, claimed.maybeCreated) : null;
  }

  #begin(job: Job, maybeCreated: boolean): Started {
    const attempt = newAttempt(job);
    this.#attempts.set(job.id, attempt);
    const outcome = settle(this.#o.uploader.upload(this.#request(job, attempt, maybeCreated)));
    return { attempt, outcome };
  }

  /**
   * The slot that staged this job freed: the claim is made now, as for any job, so the job is
   * `running` only once its requests may go out. A job that changed meanwhile, or that an earlier
   * attempt may have created (the staged request assumed it had not), starts over from its claim.
   */
  #takeStaged({ attempt, outcome }: Started): Started | null {
    const id = attempt.job.id;
    this.#staged.delete(id);
    const now = this.#ctx.clock.now();
    const claim =
      this.#o.open() && this.#attempts.size < this.#o.concurrency()
        ? this.#ctx.write('could not claim the next upload', () => this.#o.leases.claim(id, now))
        : undefined;
    if (!claim || claim.maybeCreated || !sameUpload(claim.job, attempt.job)) {
      attempt.controller.abort(UNSTAGED);
      return claim ? this.#begin(claim.job, claim.maybeCreated) : null;
    }
    attempt.job = claim.job;
    this.#attempts.set(id, attempt);
    return { attempt, outcome };
  }

  /** The job staged after `attempt`, if it is still staged (a pause or cancel drops it). */
  #follower(attempt: Attempt): string | null {
    return attempt.next !== null && this.#staged.has(attempt.next) ? attempt.next : null;
  }

  /**
   * The attempt's last request is out: on the next turn (its bytes first), the job likely to
   * take its slot next is prepared (file read, request built), so that its request leaves as soon
   * as Drive answers this one. Only a small job never tried before, whose request needs no lookup
   * first (STAGED_MAX_BYTES).
   */
  #stageAfter(attempt: Attempt): void {
    void attempt.gate.promise.then(() => setImmediate(() => this.#stage(attempt)));
  }

  #stage(after: Attempt): void {
    if (after.next !== null || after.letGo || this.#o.stopped() || !this.#o.open()) return;
    // Only for the attempt still holding its slot: a follower set on any other would never run.
    if (this.#attempts.get(after.job.id) !== after) return;
    if (this.#attempts.size > this.#o.concurrency()) return;
    const job = this.#nextToStage();
    if (!job) return;
    const leased = this.#ctx.write('could not lease the next uploads', () =>
      this.#o.leases.leaseAhead(job.id, this.#ctx.clock.now()),
    );
    if (!leased) return;
    const attempt = newAttempt(job);
    const request = { ...this.#request(job, attempt, false), startAfter: attempt.gate.promise };
    const outcome = settle(this.#o.uploader.upload(request));
    this.#staged.set(job.id, { attempt, outcome });
    after.next = job.id;
  }

  #nextToStage(): Job | undefined {
    const [id] = this.#runnableNotInHand(1, this.#ctx.clock.now());
    const job = id === undefined ? undefined : this.#ctx.jobs.get(id);
    const fresh = job?.state === 'queued' && job.startedAt === null && !job.sessionUri;
    return fresh && job.size <= STAGED_MAX_BYTES ? job : undefined;
  }

  /**
   * Up to `count` runnable jobs, best first, that no slot has in hand: uploading, claimed, staged,
   * or still settling an attempt it was let go of (cancelled, then queued again: it waits).
   */
  #runnableNotInHand(count: number, now: number): string[] {
    const inHand = [this.#attempts, this.#settling, this.#staged, this.#claimed];
    const held = inHand.reduce((n, jobs) => n + jobs.size, 0);
    return this.#ctx.jobs
      .runnable(count + held, now)
      .filter((id) => !inHand.some((jobs) => jobs.has(id)))
      .slice(0, count);
  }

  /** Lets go of the job's attempt, if one holds a slot. */
  letGo(id: string, reason: Error): void {
    this.#unstage(id, reason);
    const attempt = this.#attempts.get(id);
    if (attempt) this.#letGo(attempt, reason);
  }

  letGoAll(reason: Error): void {
    for (const id of [...this.#staged.keys()]) this.#unstage(id, reason);
    for (const attempt of [...this.#attempts.values()]) this.#letGo(attempt, reason);
  }

  /** Drops a staged attempt: it sent nothing, and its job is still `queued`. */
  #unstage(id: string, reason: Error): void {
    const staged = this.#staged.get(id);
    if (!staged) return;
    this.#staged.delete(id);
    staged.attempt.controller.abort(reason);
  }

  /** Resolves once every upload that succeeded has its success recorded. */
  async recorded(): Promise<void> {
    await Promise.all(this.#recording.values());
  }

  /** Waits for the attempts let go of to settle, but no longer than `ms` (wall clock: it bounds a stop). */
  async settledWithin(ms: number): Promise<void> {
    const attempts = [...this.#settling.values()];
    if (!attempts.length) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()));
    await Promise.race([Promise.all(attempts.map((a) => a.settled.promise)), late]);
    clearTimeout(timer);
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
      this.#ctx.write('could not hand a stopped upload back to the queue', () =>
        this.#o.outcomes.requeue(id, {}),
      );
    }
    attempt.released.resolve();
  }

  /**
   * Records a success on the loop's next turn, once the slot it frees has started its next upload:
   * the commit that finishes a job (its history record, watch journal, events) took ~0.7 ms, spent
   * between one answer from Drive and the slot's next request, 3% of every small file's turn.
   * Nothing is lost meanwhile: until it is recorded the job is `running` with its claim durable,
   * so a crash brings it back as an earlier attempt, found in Drive by its tag rather than sent
   * again; a cancel or a stop in between finds it done all the same (succeeded() allows both).
   * A timer, not setImmediate: the slot's next token reaches better-queue on a timer set when this
   * upload started (slot-runner.ts), and timers fire in the order they were set, so the next job
   * is claimed first even when the upload ended within that timer's millisecond (under load, one
   * run in four of the hand-off test recorded first with setImmediate).
   */
  #recordLater(job: Job, result: UploadResult): void {
    const recorded = new Promise<void>((resolve) => {
      setTimeout(() => {
        let recorded = false;
        try {
          recorded = this.#o.outcomes.succeeded(job, result, ['running']);
        } finally {
          this.#recording.delete(job.id);
          resolve();
          // The slot was offered again at the hand-off; only a retry scheduled instead needs more.
          if (!recorded) this.#o.afterRun();
        }
      }, 0);
    });
    this.#recording.set(job.id, recorded);
  }

  /** An attempt let go of has settled: a success still counts (the file is in Drive). */
  #settledAfterLetGo(attempt: Attempt, late: Settled): void {
    this.#settling.delete(attempt.job.id);
    if (this.#o.stopped()) return;
    if (late.ok) {
      this.#o.outcomes.succeeded(attempt.job, late.result, ['running', 'queued', 'cancelled']);
    }
    this.#o.afterRun();
  }

  /** Names the next jobs to the uploader, so it can read small files while the slots are busy. */
  #hint(ids: readonly string[]): void {
    const uploader = this.#o.uploader;
    if (!uploader.readAhead) return;
    for (const id of ids) {
      if (this.#hinted.has(id)) continue;
      this.#hinted.add(id);
      const job = this.#ctx.jobs.get(id);
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

  #request(job: Job, attempt: Attempt, maybeCreated: boolean): UploadRequest {
    const persist = (patch: JobPatch, options?: TransactionOptions) =>
      transaction(
        this.#ctx.db,
        () => this.#ctx.jobs.update(job.id, patch, this.#ctx.clock.now(), ['running']),
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
      onLastRequestSent: () => this.#stageAfter(attempt),
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
    this.#ctx.emit('job.progress', {
      jobId: job.id,
      sentBytes: attempt.sentBytes,
      confirmedBytes: attempt.confirmedBytes,
      size: job.size,
    });
  }
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
    gate: Promise.withResolvers<void>(),
    next: null,
  };
}

/** Whether the claimed job asks for the upload its staged attempt prepared. */
function sameUpload(claimed: Job, staged: Job): boolean {
  return (
    claimed.path === staged.path &&
    claimed.name === staged.name &&
    claimed.size === staged.size &&
    claimed.mtimeMs === staged.mtimeMs &&
    claimed.mimeType === staged.mimeType &&
    claimed.folderPath === staged.folderPath &&
    claimed.conflictPolicy === staged.conflictPolicy &&
    claimed.sessionUri === null &&
    claimed.source === staged.source &&
    claimed.foundIn === staged.foundIn &&
    claimed.followLinks === staged.followLinks
  );
}

function settle(upload: Promise<UploadResult>): Promise<Settled> {
  return upload.then(
    (result) => ({ ok: true, result }),
    (error: unknown) => ({ ok: false, error }),
  );
}
