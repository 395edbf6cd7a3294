import {
  ensureQuota,
  existingFile,
  fileResponse,
  newFileFromMetadata,
  updateMetadata,
  type DriveContext,
} from './drive-files.ts';
import { DriveError, type Exchange } from './http-io.ts';
import { boundaryOf, MultipartRelatedParser } from './multipart-related.ts';
import { ContentSink, newId, type FakeFile, type StoredContent } from './store.ts';

/** Drive's resumable chunk granularity: every chunk but the last is a multiple of it. */
export const CHUNK_UNIT = 256 * 1024;

const UPLOAD_PATH = /^\/upload\/drive\/v3\/files(?:\/([^/]+))?$/;
const DEFAULT_MIME = 'application/octet-stream';

/** What an upload ends in: a new file, or a new revision (plus metadata changes) of an existing one. */
type Target =
  | { kind: 'create'; meta: Record<string, unknown> }
  | { kind: 'update'; fileId: string; meta: Record<string, unknown>; query: URLSearchParams };

interface Session {
  target: Target;
  mimeType: string;
  /** Known once the client says it (X-Upload-Content-Length or a Content-Range total). */
  total: number | undefined;
  /** Bytes persisted so far; what the Range header reports. */
  committed: number;
  sink: ContentSink;
  expired: boolean;
  done: FakeFile | undefined;
}

type ContentRange =
  | { kind: 'status'; total: number | undefined }
  | { kind: 'data'; start: number; end: number | undefined; total: number | undefined };

/** The /upload/drive/v3/files routes: multipart, media and resumable uploads. */
export class DriveUploads {
  readonly #ctx: DriveContext;
  #sessions = new Map<string, Session>();

  constructor(ctx: DriveContext) {
    this.#ctx = ctx;
  }

  clear(): void {
    this.#sessions.clear();
  }

  /** Returns false when the route is not an upload route. */
  async handle(ex: Exchange): Promise<boolean> {
    const match = UPLOAD_PATH.exec(ex.url.pathname);
    if (!match) return false;
    const fileId = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const uploadId = ex.query('upload_id');
    if (uploadId !== null && ['PUT', 'POST', 'PATCH'].includes(ex.method)) {
      await this.#chunk(ex, uploadId);
      return true;
    }
    const creates = ex.method === 'POST' && fileId === undefined;
    const updates = ex.method === 'PATCH' && fileId !== undefined;
    if (!creates && !updates) return false;
    if (updates) existingFile(this.#ctx, fileId);
    const target = (meta: Record<string, unknown>): Target =>
      fileId === undefined
        ? { kind: 'create', meta }
        : { kind: 'update', fileId, meta, query: ex.url.searchParams };
    switch (ex.query('uploadType')) {
      case 'media': {
        const sink = this.#sink();
        await ex.readBody((chunk) => sink.write(chunk));
        const mime = ex.header('content-type') ?? DEFAULT_MIME;
        fileResponse(ex, this.#commit(target({}), mime, sink.finish()));
        return true;
      }
      case 'multipart':
        await this.#multipart(ex, target);
        return true;
      case 'resumable':
        await this.#initiate(ex, target(await ex.readJson()));
        return true;
      default:
        throw new DriveError(
          400,
          'badRequest',
          'Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/',
        );
    }
  }

  #sink(): ContentSink {
    return new ContentSink(this.#ctx.keepBytesUpTo);
  }

  async #multipart(ex: Exchange, target: (meta: Record<string, unknown>) => Target): Promise<void> {
    const sink = this.#sink();
    let meta: Record<string, unknown> = {};
    let mime = DEFAULT_MIME;
    const parser = new MultipartRelatedParser(boundaryOf(ex.header('content-type')), {
      onMetadata: (body) => {
        meta = parseMetadata(body);
        // Fail early on a bad parent, as Drive does, rather than after the whole media part.
        if (ex.url.pathname === '/upload/drive/v3/files')
          newFileFromMetadata(this.#ctx, meta, mime);
      },
      onMediaStart: (contentType) => {
        mime = contentType ?? DEFAULT_MIME;
      },
      onMediaChunk: (chunk) => sink.write(chunk),
    });
    await ex.readBody((chunk) => parser.write(chunk));
    parser.end();
    fileResponse(ex, this.#commit(target(meta), mime, sink.finish()));
  }

  async #initiate(ex: Exchange, target: Target): Promise<void> {
    const declared = ex.header('x-upload-content-length');
    const total = declared === undefined ? undefined : Number(declared);
    if (total !== undefined && !(Number.isSafeInteger(total) && total >= 0)) {
      throw new DriveError(400, 'badRequest', 'Invalid X-Upload-Content-Length.');
    }
    if (target.kind === 'create') newFileFromMetadata(this.#ctx, target.meta, DEFAULT_MIME);
    if (total !== undefined) ensureQuota(this.#ctx, total - this.#replacedSize(target));
    const mimeType =
      (typeof target.meta.mimeType === 'string' ? target.meta.mimeType : undefined) ??
      ex.header('x-upload-content-type') ??
      DEFAULT_MIME;
    const uploadId = 'fake-upload-' + newId(32);
    this.#sessions.set(uploadId, {
      target,
      mimeType,
      total,
      committed: 0,
      sink: this.#sink(),
      expired: false,
      done: undefined,
    });
    // Drive's session URL keeps the initiating query (so `fields` applies to the final answer).
    const location = new URL(ex.url.pathname, ex.origin);
    for (const [key, value] of ex.url.searchParams) location.searchParams.append(key, value);
    location.searchParams.set('upload_id', uploadId);
    ex.send(200, {
      Location: location.href,
      'X-GUploader-UploadID': uploadId,
      'Content-Length': 0,
    });
  }

  async #chunk(ex: Exchange, uploadId: string): Promise<void> {
    const session = this.#sessions.get(uploadId);
    if (session && ex.fault && 'expireSession' in ex.fault) session.expired = true;
    if (!session || session.expired) {
      throw new DriveError(404, 'notFound', 'Upload session not found or expired.');
    }
    if (session.done) {
      await ex.readBody(() => {});
      fileResponse(ex, session.done);
      return;
    }
    const range = parseContentRange(ex.header('content-range'));
    const total = range.total ?? session.total;
    if (range.total !== undefined && session.total !== undefined && range.total !== session.total) {
      throw new DriveError(400, 'badRequest', 'Invalid request. The total size changed.');
    }
    if (range.kind === 'status') {
      await ex.readBody(() => {});
      if (total !== undefined && session.committed > total) {
        throw new DriveError(
          400,
          'badRequest',
          'Invalid request. More bytes received than the total.',
        );
      }
      if (total !== undefined && session.committed === total) return this.#finish(ex, session);
      return this.#incomplete(ex, session);
    }
    if (range.start !== session.committed) {
      // Drive does not accept a gap or an overlap: the client must resume at the Range it is told.
      await ex.readBody(() => {});
      return this.#incomplete(ex, session);
    }
    const expected = range.end === undefined ? undefined : range.end - range.start + 1;
    const final = range.end === undefined || (total !== undefined && range.end + 1 === total);
    if (
      range.end !== undefined &&
      (range.end < range.start || (total !== undefined && range.end >= total))
    ) {
      throw new DriveError(400, 'badRequest', 'Invalid Content-Range header.');
    }
    if (!final && expected !== undefined && expected % CHUNK_UNIT !== 0) {
      throw new DriveError(
        400,
        'badRequest',
        `Invalid request. The number of bytes uploaded is required to be a multiple of ${CHUNK_UNIT}, except for the final request. The received request contained ${expected} bytes.`,
      );
    }
    const received = await this.#receiveChunk(ex, session, expected);
    session.total = range.end === undefined ? session.committed : total;
    if (expected !== undefined && received !== expected) {
      throw new DriveError(
        400,
        'badRequest',
        'Invalid request. The body does not match Content-Range.',
      );
    }
    if (final) return this.#finish(ex, session);
    this.#incomplete(ex, session);
  }

  /**
   * Persists a chunk in whole 256 KiB units as it arrives, holding back only the unfinished unit:
   * if the connection is cut, the session keeps the units that fully arrived (as Drive may), and
   * the client has to honour the Range it is told on resuming.
   */
  async #receiveChunk(
    ex: Exchange,
    session: Session,
    expected: number | undefined,
  ): Promise<number> {
    let pending: Buffer[] = [];
    let pendingSize = 0;
    let received = 0;
    const persist = (bytes: number): void => {
      let left = bytes;
      while (left > 0) {
        const head = pending[0] as Buffer;
        const piece = head.length <= left ? head : head.subarray(0, left);
        session.sink.write(piece);
        left -= piece.length;
        if (piece === head) pending.shift();
        else pending[0] = head.subarray(piece.length);
      }
      pendingSize -= bytes;
      session.committed += bytes;
    };
    await ex.readBody((chunk) => {
      received += chunk.length;
      if (expected !== undefined && received > expected) {
        throw new DriveError(
          400,
          'badRequest',
          'Invalid request. The body is longer than Content-Range says.',
        );
      }
      pending.push(chunk);
      pendingSize += chunk.length;
      if (pendingSize >= CHUNK_UNIT) persist(pendingSize - (pendingSize % CHUNK_UNIT));
    });
    if (expected === undefined || received === expected) persist(pendingSize);
    pending = [];
    return received;
  }

  #incomplete(ex: Exchange, session: Session): void {
    const headers: Record<string, string | number> = { 'Content-Length': 0 };
    if (session.committed > 0) headers.Range = `bytes=0-${session.committed - 1}`;
    ex.send(308, headers);
  }

  #finish(ex: Exchange, session: Session): void {
    session.done = this.#commit(session.target, session.mimeType, session.sink.finish());
    fileResponse(ex, session.done);
  }

  #replacedSize(target: Target): number {
    return target.kind === 'update' ? Number(existingFile(this.#ctx, target.fileId).size ?? 0) : 0;
  }

  #commit(target: Target, mimeType: string, content: StoredContent): FakeFile {
    ensureQuota(this.#ctx, content.size - this.#replacedSize(target));
    const { store } = this.#ctx;
    if (target.kind === 'create') {
      return store.insert(newFileFromMetadata(this.#ctx, target.meta, mimeType), content);
    }
    const file = existingFile(this.#ctx, target.fileId);
    store.replaceContent(file.id, content);
    updateMetadata(this.#ctx, file, target.meta, target.query);
    return file;
  }
}

function parseMetadata(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new DriveError(400, 'parseError', 'Parse Error');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DriveError(400, 'parseError', 'Metadata part must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** `bytes a-b/total`, `bytes a-b/*`, `bytes *\/total`, `bytes *\/*`; absent means "all of it, now". */
function parseContentRange(header: string | undefined): ContentRange {
  if (header === undefined) return { kind: 'data', start: 0, end: undefined, total: undefined };
  const match = /^bytes (?:\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(header.trim());
  if (!match) throw new DriveError(400, 'badRequest', 'Failed to parse Content-Range header.');
  const total = match[3] === '*' ? undefined : Number(match[3]);
  if (match[1] === undefined) return { kind: 'status', total };
  return { kind: 'data', start: Number(match[1]), end: Number(match[2]), total };
}
