import type { ConflictPolicy } from '../config/settings-schema.ts';
import type { FileScope } from './file-scope.ts';

/** What the queue asks the Drive uploader to do for one job attempt. */
export interface UploadRequest {
  jobId: string;
  path: string;
  name: string;
  mimeType: string;
  folderPath: string;
  conflictPolicy: ConflictPolicy;
  /** The file as it was when queued; a difference means it changed. */
  expected: { size: number; mtimeMs: number };
  /** Where the file was found, which decides the links that may lead to it; named by a person when absent. */
  scope?: FileScope;
  /** A resumable session left by an earlier attempt or before a crash. */
  resume: { sessionUri: string; confirmedBytes: number } | null;
  /**
   * An earlier attempt of this job may have created the file without its answer arriving (the
   * process crashed or was stopped mid-request). The uploader then looks for the file tagged with
   * this job id before creating another. Within one process it remembers this by itself; the queue
   * sets it for a job found `running` at startup.
   */
  maybeCreated?: boolean;
  signal: AbortSignal;
  /** Persist before continuing: called with a new session URI, or null when one is abandoned. */
  onSession(sessionUri: string | null): void;
  /** Persist before continuing: Drive has confirmed this many bytes. */
  onConfirmed(confirmedBytes: number): void;
  /** Bytes sent so far, for progress display only (not yet confirmed). */
  onProgress?(sentBytes: number): void;
  /**
   * A staged attempt: prepared (file read, request built) while its slot's previous upload waits
   * for Drive's answer. Its requests to Drive wait for this, so that no more uploads are out at
   * once than there are slots.
   */
  startAfter?: Promise<void>;
  /** The request that completes the upload is out: only Drive's answer is left to wait for. */
  onLastRequestSent?(): void;
}

export interface UploadResult {
  fileId: string;
  webViewLink: string;
  md5: string;
  size: number;
  /** `skip-identical` found the same content already there: nothing was uploaded. */
  skipped: boolean;
}

/** Why the last attempt failed, as far as scheduling is concerned. */
export type FailureKind =
  | 'transient' // retry with backoff (5xx, 429, rate limits, resets, timeouts)
  | 'permanent' // fail now with a message a person understands
  | 'auth' // sign in again: pause the queue, spend no attempt
  | 'offline' // no network: wait for it, spend no attempt
  | 'changed'; // the file changed while uploading: upload the final content

/**
 * An attempt that did not succeed, classified for the scheduler. Its kinds live here, below the
 * queue and the sign-in that both use them, so neither imports the other.
 */
export class UploadError extends Error {
  readonly kind: FailureKind;
  /** From `Retry-After`, when the server gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: FailureKind,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UploadError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A job likely to be claimed soon, with nothing to resume. */
export type ReadAheadHint = Pick<UploadRequest, 'jobId' | 'path' | 'name' | 'expected' | 'scope'>;

export interface Uploader {
  upload(request: UploadRequest): Promise<UploadResult>;
  /**
   * A hint that this job is next in line: the uploader may read a small file now, while its
   * uploads are out, so the job's request leaves as soon as a slot takes it. Only a hint: the job
   * may never come, and upload() must not depend on it. Resolves once the hint is acted on; never
   * rejects.
   */
  readAhead?(hint: ReadAheadHint): Promise<void>;
}
