import { UploadError, type UploadResult } from '../drive/uploader.ts';
import type { CommitParticipants } from '../store/commit-participants.ts';
import { transaction } from '../store/transaction.ts';
import { fingerprintOf, readFileVersion, type FileVersion } from './fingerprint.ts';
import type { Job, JobState } from './job.ts';
import type { JobPatch } from './job-row.ts';
import type { QueueContext } from './queue-context.ts';
import type { RetryPolicy } from './retry-policy.ts';

/** A job that reached `done`, `failed` or `cancelled`, as the commit that finishes it sees it. */
export interface FinishedJob {
  job: Job;
  /** `skip-identical` found the same content already in Drive: nothing was uploaded. */
  skipped: boolean;
}

/** How far an attempt got: an attempt that got more bytes confirmed is progress, not an outage. */
export interface AttemptProgress {
  startBytes: number;
  confirmedBytes: number;
}

/** What an attempt's failure led to, for the log's level. */
type FailureOutcome = 'failed' | 'retrying' | 'waiting' | 'restarted';

export interface OutcomeRecorderOptions {
  ctx: QueueContext;
  retry: RetryPolicy;
  /** Join the commit that finishes a job (the agent adds the history record, the watch journal). */
  finishing: CommitParticipants<FinishedJob>;
  /** An upload was refused for want of access: the queue waits for a sign-in. */
  accessRefused(): void;
  /** An upload found no network: the queue waits for it. */
  offline(): void;
}

/**
 * Records how attempts end: done, failed for good, retried with backoff, handed back, restarted on
 * new content. Every outcome is committed before it is announced (QueueContext.emit).
 */
export class OutcomeRecorder {
  readonly #o: OutcomeRecorderOptions;
  readonly #ctx: QueueContext;

  constructor(options: OutcomeRecorderOptions) {
    this.#o = options;
    this.#ctx = options.ctx;
  }

  /**
   * The upload succeeded: the job is done (even one cancelled meanwhile: the file is in Drive).
   * False when that could not be recorded and a retry was scheduled instead.
   */
  succeeded(job: Job, result: UploadResult, from: readonly JobState[]): boolean {
    const now = this.#ctx.clock.now();
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
    try {
      this.finish(job.id, patch, now, [...from, 'cancelled'], result.skipped);
    } catch (error) {
      // Not recorded: the next attempt finds the file by its job id instead of uploading again.
      this.#ctx.logger?.error({ err: error, jobId: job.id }, 'could not record a finished upload');
      this.#ctx.write('could not record a failed attempt', () =>
        this.#scheduleRetry(job, new UploadError('transient', describe(error)), now),
      );
      return false;
    }
    return true;
  }

  async attemptFailed(job: Job, error: unknown, progress: AttemptProgress): Promise<void> {
    const failure =
      error instanceof UploadError ? error : new UploadError('transient', describe(error));
    let outcome: FailureOutcome;
    try {
      outcome = await this.#handleFailure(job, failure, progress);
    } catch (dbError) {
      this.#ctx.noteWriteFailure(dbError);
      this.#ctx.logger?.error({ err: dbError, jobId: job.id }, 'could not record a failed attempt');
      return;
    }
    const fields = { jobId: job.id, file: job.name, kind: failure.kind, err: failure.message };
    // A job given up on is an error; a failure the queue works around (retry, wait) a warning.
    const logger = this.#ctx.logger;
    if (outcome === 'failed') logger?.error(fields, 'upload failed');
    else if (outcome === 'restarted') logger?.info(fields, 'upload restarted');
    else logger?.warn({ ...fields, outcome }, 'upload attempt failed; will try again');
  }

  /**
   * A final state, committed together with whatever joins the commit (`finishing`: the history
   * record, the watch journal), and announced once it is (`job.done`, `job.failed` for good,
   * `job.cancelled`, ahead of what the participants announce), without waiting for the disk: a burst of small files spends a
   * large share of its time in those fsyncs. What a power cut could undo is recovered by design:
   * the claim, or the lease it was taken under (claim-leases.ts), was durable before any byte went
   * to Drive, so the job comes back as an earlier attempt and is found by its appProperties tag
   * instead of uploaded again. Destructive follow-ups make the commit durable first (the watch
   * service does, before it moves or deletes a local file).
   */
  finish(
    id: string,
    patch: JobPatch,
    now: number,
    from: readonly JobState[],
    skipped = false,
  ): Job | undefined {
    return transaction(
      this.#ctx.db,
      () => {
        const job = this.#ctx.jobs.update(id, { ...patch, nextAttemptAt: null }, now, from);
        if (!job) return undefined;
        this.#announce(job);
        this.#o.finishing.run({ job, skipped });
        return job;
      },
      { durable: false },
    );
  }

  #announce(job: Job): void {
    if (job.state === 'done') this.#ctx.emit('job.done', { job });
    else if (job.state === 'failed') this.#ctx.emit('job.failed', { job, willRetry: false });
    else if (job.state === 'cancelled') this.#ctx.emit('job.cancelled', { job });
  }

  /** Back to `queued` without spending an attempt; session and confirmed offset kept. */
  requeue(id: string, patch: JobPatch): void {
    const job = this.#ctx.jobs.update(id, { ...patch, state: 'queued' }, this.#ctx.clock.now(), [
      'running',
    ]);
    if (job) this.#ctx.emit('job.queued', { job });
  }

  /**
   * Jobs the database says are running that no slot holds: their attempt was let go of or failed
   * while the disk was full, so handing them back could not be written then.
   */
  requeueOrphans(held: (id: string) => boolean): void {
    const orphans = this.#ctx.jobs.runningIds().filter((id) => !held(id));
    for (const id of orphans) {
      this.#ctx.write('could not hand an interrupted upload back to the queue', () =>
        this.requeue(id, {}),
      );
    }
  }

  async #handleFailure(
    job: Job,
    failure: UploadError,
    progress: AttemptProgress,
  ): Promise<FailureOutcome> {
    const now = this.#ctx.clock.now();
    const noted = { error: failure.message, errorKind: failure.kind };
    switch (failure.kind) {
      case 'transient':
        return this.#scheduleRetry(job, failure, now, progress);
      case 'permanent':
        this.#fail(job.id, { ...noted, finishedAt: new Date(now) }, now);
        return 'failed';
      case 'auth':
        this.requeue(job.id, noted);
        this.#o.accessRefused();
        return 'waiting';
      case 'offline':
        this.requeue(job.id, noted);
        this.#o.offline();
        return 'waiting';
      case 'changed':
        return this.#restartOnNewContent(job, failure, progress);
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
    progress?: AttemptProgress,
  ): 'retrying' | 'failed' {
    const jobs = this.#ctx.jobs;
    const progressed = progress !== undefined && progress.confirmedBytes > progress.startBytes;
    const since = progressed ? now : (jobs.failingSince(job.id) ?? now);
    const attempts = progressed ? 1 : (jobs.get(job.id)?.attempts ?? job.attempts) + 1;
    const noted = { attempts, error: failure.message, errorKind: failure.kind };
    if (!this.#o.retry.allowsAnother(since, now)) {
      const error = `${failure.message} (tried again for ${describeSpan(now - since)}; giving up)`;
      this.#fail(job.id, { ...noted, error, finishedAt: new Date(now) }, now);
      return 'failed';
    }
    const at = now + this.#o.retry.delayMs(attempts, failure.retryAfterMs);
    const retrying = jobs.update(
      job.id,
      { ...noted, state: 'retrying', nextAttemptAt: new Date(at), failingSince: new Date(since) },
      now,
      ['running'],
    );
    if (retrying) this.#ctx.emit('job.failed', { job: retrying, willRetry: true });
    return 'retrying';
  }

  #fail(id: string, patch: JobPatch, now: number): void {
    this.finish(id, { ...patch, state: 'failed', failingSince: null }, now, ['running']);
  }

  /** The file changed under the upload: the job now stands for its final content. */
  async #restartOnNewContent(
    job: Job,
    failure: UploadError,
    progress: AttemptProgress,
  ): Promise<FailureOutcome> {
    let version: FileVersion;
    try {
      version = await readFileVersion(job.path);
    } catch (error) {
      const now = this.#ctx.clock.now();
      const gone = `${job.name} changed during its upload and can no longer be read: ${describe(error)}`;
      this.#fail(job.id, { error: gone, errorKind: 'permanent', finishedAt: new Date(now) }, now);
      return 'failed';
    }
    const now = this.#ctx.clock.now();
    if (version.size === job.size && version.mtimeMs === job.mtimeMs) {
      // The uploader saw a change the file system does not show: do not loop without limit.
      return this.#scheduleRetry(job, failure, now, progress);
    }
    const fingerprint = fingerprintOf({ ...version, folderPath: job.folderPath });
    const newer = this.#ctx.jobs.holderOf(fingerprint, job.id);
    if (newer) {
      this.#supersede(job, newer, now);
      return 'restarted';
    }
    this.requeue(job.id, {
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
    this.finish(
      job.id,
      { state: 'cancelled', error, errorKind: 'changed', finishedAt: new Date(now) },
      now,
      ['running'],
    );
  }
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
