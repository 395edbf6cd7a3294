import type { Logger } from 'pino';
import { BandwidthLimiter } from './bandwidth-limiter.ts';
import type { DriveAuth } from './drive-auth.ts';
import { DriveApi } from './drive-api.ts';
import { createDriveTransport, DriveClient, type DriveTransport } from './drive-client.ts';
import {
  classifyDriveError,
  DriveHttpError,
  isUnanswered,
  RequestNotSent,
} from './drive-errors.ts';
import { DriveFiles, JOB_TAG, MD5_TAG, type DriveFile } from './drive-files.ts';
import type { HttpAgentFor } from '../net/http-agents.ts';
import type { OwnPaths } from '../config/own-paths.ts';
import { FileGate } from './file-gate.ts';
import { FolderResolver } from './folder-resolver.ts';
import { LocalFile } from './local-file.ts';
import { ReadAhead } from './read-ahead.ts';
import { uploadMultipart } from './multipart-upload.ts';
import { uploadResumable } from './resumable-upload.ts';
import { newFileTarget, newRevisionTarget, type UploadTarget } from './upload-target.ts';
import {
  UploadError,
  type ReadAheadHint,
  type Uploader,
  type UploadRequest,
  type UploadResult,
} from './uploader.ts';

const KIB_256 = 256 * 1024;
/** As many as the queue names ahead, with room to spare: at most 2 MiB of small files. */
const READ_AHEAD_FILES = 8;

export interface DriveUploaderOptions {
  auth: DriveAuth;
  /** Drive API root, e.g. `https://www.googleapis.com/` (`googleEndpoints().apiRoot`). */
  apiRoot: string;
  /** Resumable chunk size, a multiple of 256 KiB. Default 64 MiB (settings-schema.ts says why). */
  chunkSizeBytes?: number;
  /** Files up to this size go in one multipart request. Default 5 MiB. */
  multipartMaxBytes?: number;
  /** Initial cap for all uploads together, bytes per second; null for none. */
  bandwidthLimitBytesPerSecond?: number | null;
  /** A limiter to share (e.g. with an injected clock); overrides the initial cap above. */
  limiter?: BandwidthLimiter;
  /** Idle time after which a request counts as timed out. Default 60 s. */
  requestTimeoutMs?: number;
  /** Connection pools and pacer to share with the agent's other Drive calls; overrides the timeout. */
  transport?: DriveTransport;
  /** DriveUp's own files: never uploaded, whatever link leads to them. */
  ownPaths?: OwnPaths;
  logger?: Logger;
  /** The connection agent for every request (a system proxy); Node's keep-alive agents without it. */
  httpAgent?: HttpAgentFor;
}

/** Where the bytes go, decided by the conflict policy. */
type Destination =
  | { kind: 'new'; folderId: string }
  | { kind: 'revision'; fileId: string }
  | { kind: 'skip'; file: DriveFile };

/**
 * Uploads files to Google Drive so that none is missed, doubled or corrupted: small files in one
 * request, large ones through a persisted resumable session, each checked against Drive's MD5 and
 * tagged with its job id so an unanswered create is found again rather than repeated.
 */
export class DriveUploader implements Uploader {
  readonly folders: FolderResolver;
  readonly #client: DriveClient;
  readonly #files: DriveFiles;
  readonly transport: DriveTransport;
  readonly #limiter: BandwidthLimiter;
  #chunkSize: number;
  readonly #multipartMax: number;
  readonly #logger: Logger | undefined;
  /** Jobs whose create went out without an answer in this process: look before creating again. */
  readonly #maybeCreated = new Set<string>();
  readonly #readAhead: ReadAhead;
  readonly #gate: FileGate;
  readonly #requestTimeoutMs: number;

  constructor(options: DriveUploaderOptions) {
    this.#chunkSize = checkedChunkSize(options.chunkSizeBytes ?? 64 * 1024 * 1024);
    this.#multipartMax = options.multipartMaxBytes ?? 5 * 1024 * 1024;
    this.#gate = new FileGate(options.ownPaths);
    // Only files sent in one request, as one buffer: a few hundred KiB held, whatever the burst.
    this.#readAhead = new ReadAhead({
      maxFiles: READ_AHEAD_FILES,
      maxFileBytes: Math.min(KIB_256, this.#multipartMax),
      gate: this.#gate,
    });
    this.#limiter =
      options.limiter ?? new BandwidthLimiter(options.bandwidthLimitBytesPerSecond ?? null);
    this.#logger = options.logger;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.transport =
      options.transport ?? createDriveTransport(this.#requestTimeoutMs, options.httpAgent);
    const { http, pacer } = this.transport;
    this.#client = new DriveClient(options.auth, http, options.apiRoot, pacer);
    const api = new DriveApi(this.#client);
    this.#files = new DriveFiles(api);
    this.folders = new FolderResolver(api, options.logger);
  }

  /** Changes the cap for every running and future upload at once. */
  setBandwidthLimit(bytesPerSecond: number | null): void {
    this.#limiter.setLimit(bytesPerSecond);
  }

  /** Resumable uploads started from now on send chunks of this size. */
  setChunkSize(bytes: number): void {
    this.#chunkSize = checkedChunkSize(bytes);
  }

  /** `google.endpoint` changed: later requests go there, and folder ids of the old Drive are forgotten. */
  setApiRoot(apiRoot: string): void {
    const before = this.#client.apiRoot;
    this.#client.setApiRoot(apiRoot);
    if (this.#client.apiRoot !== before) this.folders.forget('');
  }

  /**
   * One attempt. Rejects with an UploadError, or with `request.signal.reason` when aborted (the
   * session, if any, stays persisted and resumable).
   */
  async upload(request: UploadRequest): Promise<UploadResult> {
    if (request.startAfter) this.#client.holdUntil(request.signal, request.startAfter);
    try {
      const file =
        (!request.resume && (await this.#readAhead.take(request))) ||
        (await LocalFile.open(request, this.#gate));
      try {
        return await this.#upload(request, file);
      } finally {
        await file.close();
      }
    } catch (error) {
      throw this.#failure(request, error);
    }
  }

  readAhead(hint: ReadAheadHint): Promise<void> {
    return this.#readAhead.hint(hint);
  }

  /** Moves an uploaded file to Drive's trash (Review's "Move to Drive trash"). */
  async trashFile(fileId: string): Promise<void> {
    await this.#files.trash(fileId, AbortSignal.timeout(this.#requestTimeoutMs));
  }

  /** Whether an uploaded file is still in Drive, out of its trash (`DriveFiles.isLive`). */
  isInDrive(fileId: string, signal: AbortSignal): Promise<boolean> {
    return this.#files.isLive(fileId, signal);
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.http.close();
  }

  async #upload(request: UploadRequest, file: LocalFile): Promise<UploadResult> {
    const { signal } = request;
    const folderId = await this.folders.resolve(request.folderPath, signal);
    if (request.resume) return this.#uploadResumable(request, file, folderId);
    const earlier = await this.#findEarlierAttempt(request);
    // Never delete it on a mismatch: it may be a revision of a file the user had before.
    if (earlier) return this.#finish(request, file, earlier, { createdNew: false });
    if (file.size <= this.#multipartMax) return this.#uploadSmall(request, file, folderId);
    return this.#uploadResumable(request, file, folderId);
  }

  async #uploadSmall(
    request: UploadRequest,
    file: LocalFile,
    folderId: string,
  ): Promise<UploadResult> {
    const { signal } = request;
    const content = await file.readAll(signal);
    // Every byte is in hand (and hashed): the handle is not needed while the request is out, and
    // the bytes are the queued version if the file is unchanged now, after the read. Both happen
    // while the request is out rather than before or after it.
    const closed = file.close();
    const unchanged = file.assertUnchanged();
    unchanged.catch(() => {}); // awaited in #finish; a change then deletes the copy made meanwhile
    const md5 = await file.md5(signal);
    const destination = await this.#destination(request, file, folderId);
    if (destination.kind === 'skip') return skipped(destination.file, file);
    const target = this.#target(request, destination, md5);
    let created: DriveFile;
    try {
      created = await uploadMultipart({
        client: this.#client,
        target,
        content,
        limiter: this.#limiter,
        signal,
        ...(request.onProgress ? { onProgress: request.onProgress } : {}),
        ...(request.onLastRequestSent ? { onSent: request.onLastRequestSent } : {}),
      });
    } catch (error) {
      const sent = !(error instanceof RequestNotSent);
      if (sent && (signal.aborted || isUnanswered(error))) this.#maybeCreated.add(request.jobId);
      throw error;
    }
    await closed;
    return this.#finish(request, file, created, {
      createdNew: destination.kind === 'new',
      unchanged,
    });
  }

  async #uploadResumable(
    request: UploadRequest,
    file: LocalFile,
    folderId: string,
  ): Promise<UploadResult> {
    // A resumed session is a new file when it was opened on the create URL, not on a file's URL.
    let createdNew = request.resume ? isCreateSession(request.resume.sessionUri) : false;
    let target: UploadTarget | undefined;
    if (!request.resume) {
      // skip-identical needs the content hash before anything is sent.
      const md5 =
        request.conflictPolicy === 'skip-identical' ? await file.md5(request.signal) : undefined;
      const destination = await this.#destination(request, file, folderId);
      if (destination.kind === 'skip') return skipped(destination.file, file);
      createdNew = destination.kind === 'new';
      target = this.#target(request, destination, md5);
    }
    const created = await uploadResumable({
      client: this.#client,
      file,
      // Only a resumed session that expired needs a target; it is re-planned then.
      target: async () => {
        target ??= await this.#renewedTarget(request, file, folderId);
        createdNew = target.method === 'POST';
        return target;
      },
      limiter: this.#limiter,
      chunkSizeBytes: this.#chunkSize,
      request,
      logger: this.#logger,
      findCreated: () => this.#files.findByJob(request.jobId, request.signal),
      onAmbiguous: () => this.#maybeCreated.add(request.jobId),
    });
    // A revision is of the user's own file: only a file this job created is ever deleted.
    return this.#finish(request, file, created, { createdNew });
  }

  async #renewedTarget(
    request: UploadRequest,
    file: LocalFile,
    folderId: string,
  ): Promise<UploadTarget> {
    const destination = await this.#destination(request, file, folderId);
    // The session was started under this policy already; a now-identical copy is still uploaded.
    if (destination.kind === 'skip') return this.#target(request, { kind: 'new', folderId });
    return this.#target(request, destination);
  }

  /** Same-name files are listed only when the policy needs them (keep-both never does). */
  async #destination(
    request: UploadRequest,
    file: LocalFile,
    folderId: string,
  ): Promise<Destination> {
    if (request.conflictPolicy === 'keep-both') return { kind: 'new', folderId };
    const sameName = await this.#files.findByName(folderId, request.name, request.signal);
    if (request.conflictPolicy === 'new-version') {
      const existing = sameName[0];
      return existing ? { kind: 'revision', fileId: existing.id } : { kind: 'new', folderId };
    }
    const md5 = await file.md5(request.signal);
    const identical = sameName.find((f) => f.md5Checksum === md5 && Number(f.size) === file.size);
    return identical ? { kind: 'skip', file: identical } : { kind: 'new', folderId };
  }

  #target(request: UploadRequest, destination: Destination, md5?: string): UploadTarget {
    const appProperties: Record<string, string> = { [JOB_TAG]: request.jobId };
    if (md5) appProperties[MD5_TAG] = md5;
    if (destination.kind === 'revision') {
      return newRevisionTarget({
        fileId: destination.fileId,
        mimeType: request.mimeType,
        appProperties,
      });
    }
    if (destination.kind === 'skip') throw new Error('a skipped upload has no target');
    return newFileTarget({
      name: request.name,
      folderId: destination.folderId,
      mimeType: request.mimeType,
      appProperties,
    });
  }

  /** After an unanswered create (this process saw it, or the queue says an attempt was cut short). */
  async #findEarlierAttempt(request: UploadRequest): Promise<DriveFile | undefined> {
    if (!this.#maybeCreated.has(request.jobId) && !request.maybeCreated) return undefined;
    const found = await this.#files.findByJob(request.jobId, request.signal);
    this.#logger?.info(
      { jobId: request.jobId, found: Boolean(found) },
      'looked for the file an unanswered upload may have created',
    );
    if (!found) this.#maybeCreated.delete(request.jobId);
    return found;
  }

  /** Drive has the file: it must be the local file, byte for byte, and the local file unchanged. */
  async #finish(
    request: UploadRequest,
    file: LocalFile,
    uploaded: DriveFile,
    {
      createdNew,
      unchanged,
    }: {
      createdNew: boolean;
      /** The check made after every byte was read; a fresh stat when the file was streamed. */
      unchanged?: Promise<void>;
    },
  ): Promise<UploadResult> {
    const { signal } = request;
    const remote =
      uploaded.md5Checksum && uploaded.webViewLink && uploaded.size !== undefined
        ? uploaded
        : await this.#files.get(uploaded.id, signal);
    const md5 = await file.md5(signal);
    this.#maybeCreated.delete(request.jobId);
    try {
      await (unchanged ?? file.assertUnchanged());
    } catch (error) {
      if (createdNew) await this.#discard(remote.id, 'the local file changed during its upload');
      throw error;
    }
    if (remote.md5Checksum !== md5 || Number(remote.size) !== file.size) {
      const removed = createdNew && (await this.#discard(remote.id, 'MD5 mismatch'));
      throw new UploadError(
        'permanent',
        `Google Drive's copy of ${file.name} does not match the local file (MD5 ${remote.md5Checksum ?? 'unknown'}, expected ${md5}): ` +
          (removed
            ? 'the damaged copy was deleted; retry to upload it again'
            : 'check the copy in Drive, then retry'),
      );
    }
    return {
      fileId: remote.id,
      webViewLink: remote.webViewLink ?? '',
      md5,
      size: file.size,
      skipped: false,
    };
  }

  /** Deletes a copy DriveUp itself just created and cannot stand behind; says whether it could. */
  async #discard(fileId: string, why: string): Promise<boolean> {
    try {
      await this.#files.delete(fileId, new AbortController().signal);
      this.#logger?.warn(
        { fileId, why },
        'deleted an uploaded copy that does not match the local file',
      );
      return true;
    } catch (error) {
      this.#logger?.warn(
        { fileId, why, err: classifyDriveError(error).message },
        'could not delete a bad copy',
      );
      return false;
    }
  }

  #failure(request: UploadRequest, error: unknown): unknown {
    if (request.signal.aborted) return request.signal.reason;
    const failure = classifyDriveError(error);
    if (error instanceof DriveHttpError && error.status === 404) {
      // A cached folder id may point at a folder deleted in Drive: look it up afresh next time.
      this.folders.forget(request.folderPath);
    }
    this.#logger?.debug(
      { jobId: request.jobId, kind: failure.kind, err: failure.message },
      'upload attempt failed',
    );
    return failure;
  }
}

function isCreateSession(sessionUri: string): boolean {
  return /\/files\/?$/.test(new URL(sessionUri).pathname);
}

function skipped(existing: DriveFile, file: LocalFile): UploadResult {
  return {
    fileId: existing.id,
    webViewLink: existing.webViewLink ?? '',
    md5: existing.md5Checksum ?? '',
    size: file.size,
    skipped: true,
  };
}

function checkedChunkSize(bytes: number): number {
  if (bytes <= 0 || bytes % KIB_256 !== 0) {
    throw new RangeError('chunkSizeBytes must be a positive multiple of 256 KiB');
  }
  return bytes;
}
