import type { Logger } from 'pino';
import type { BandwidthLimiter } from './bandwidth-limiter.ts';
import { parseJsonResponse, type DriveClient } from './drive-client.ts';
import { DriveHttpError, isUnanswered } from './drive-errors.ts';
import type { DriveFile } from './drive-files.ts';
import type { HttpResponse } from './drive-http.ts';
import type { LocalFile } from './local-file.ts';
import type { UploadRequest } from './uploader.ts';
import { UploadError } from './uploader.ts';
import { uploadQuery, type UploadTarget } from './upload-target.ts';

export type SessionState =
  | { kind: 'incomplete'; offset: number }
  | { kind: 'complete'; file: DriveFile }
  | { kind: 'expired' };

export interface ResumableOptions {
  client: DriveClient;
  file: LocalFile;
  /** Asked for only when a new session has to be opened. */
  target(): Promise<UploadTarget>;
  limiter: BandwidthLimiter;
  chunkSizeBytes: number;
  request: UploadRequest;
  logger: Logger | undefined;
  /**
   * Called when a session is found expired after the final chunk may have been stored: returns
   * the file that chunk created, if it did, so that it is not created twice.
   */
  findCreated(): Promise<DriveFile | undefined>;
  /** The final chunk went out and no answer came back: the file may exist. */
  onAmbiguous(): void;
}

/** A socket dropping mid-chunk is routine on a resumable upload: ask where it stands and go on. */
const MAX_BROKEN_CHUNKS = 3;
/** A session expiring once is normal (a week-old session, a server restart); twice is not. */
const MAX_RENEWALS = 1;

/**
 * A file sent through a resumable session in chunks, persisting the session and the confirmed
 * offset through the request's callbacks so that a crash or restart resumes rather than restarts.
 */
export async function uploadResumable(options: ResumableOptions): Promise<DriveFile> {
  const { request } = options;
  let uri = request.resume?.sessionUri ?? null;
  try {
    let state: SessionState = uri ? await querySession(options, uri) : { kind: 'expired' };
    let confirmed = request.resume?.confirmedBytes ?? 0;
    let renewals = 0;
    let broken = 0;
    for (;;) {
      if (uri === null || state.kind === 'expired') {
        if (uri !== null) {
          request.onSession(null);
          // The session may have expired after storing the whole file (a crash before its answer).
          const created = await options.findCreated();
          if (created) return created;
          if (renewals++ >= MAX_RENEWALS) {
            throw new UploadError('transient', 'Google Drive keeps expiring the upload session');
          }
        }
        uri = await openSession(options);
        request.onSession(uri);
        state = { kind: 'incomplete', offset: 0 };
      }
      if (state.kind === 'complete') return state.file;
      if (state.offset !== confirmed) {
        if (state.offset > confirmed) broken = 0;
        confirmed = state.offset;
        request.onConfirmed(confirmed);
      }
      try {
        state = await sendChunk(options, uri, confirmed);
      } catch (error) {
        if (request.signal.aborted || !isUnanswered(error)) throw error;
        if (++broken >= MAX_BROKEN_CHUNKS) throw error;
        options.logger?.debug(
          { jobId: request.jobId, offset: confirmed },
          'chunk broke off; asking the session where it stands',
        );
        state = await querySession(options, uri);
      }
    }
  } catch (error) {
    // The session holds the start of content that is no longer the file's: never resume it.
    if (uri && error instanceof UploadError && error.kind === 'changed') request.onSession(null);
    throw error;
  }
}

async function openSession(options: ResumableOptions): Promise<string> {
  const { client, file, request } = options;
  const target = await options.target();
  const response = await client.send({
    method: target.method,
    url: client.url(target.path, uploadQuery('resumable')),
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-type': target.mimeType,
      'x-upload-content-length': String(file.size),
    },
    body: Buffer.from(JSON.stringify(target.metadata)),
    signal: request.signal,
  });
  if (response.status !== 200 && response.status !== 201)
    throw DriveHttpError.fromResponse(response);
  const location = response.headers.location;
  if (!location)
    throw new UploadError('transient', 'Google Drive opened an upload session without its address');
  return new URL(location, client.apiRoot).toString();
}

/** `PUT` with `Content-Range: bytes *\/size`: how much of the file the session holds. */
async function querySession(options: ResumableOptions, uri: string): Promise<SessionState> {
  const response = await options.client.send({
    method: 'PUT',
    url: uri,
    headers: { 'content-range': `bytes */${options.file.size}` },
    signal: options.request.signal,
  });
  return sessionState(response);
}

async function sendChunk(
  options: ResumableOptions,
  uri: string,
  start: number,
): Promise<SessionState> {
  const { file, limiter, request } = options;
  const end = Math.min(start + options.chunkSizeBytes, file.size);
  // Bytes before `start` are on Drive but not yet hashed when resuming after a restart.
  await file.hashUpTo(start, request.signal);
  const final = end === file.size;
  if (final) await file.assertUnchanged();
  const body = (): AsyncIterable<Buffer> =>
    file.range(start, end, {
      pieceSize: limiter.pieceSize(1024 * 1024),
      signal: request.signal,
      beforePiece: (bytes, signal) => limiter.take(bytes, signal),
      onPiece: (position) => request.onProgress?.(position),
    });
  try {
    const response = await options.client.send({
      method: 'PUT',
      url: uri,
      headers: {
        'content-length': String(end - start),
        'content-range': `bytes ${start}-${end - 1}/${file.size}`,
      },
      body,
      onPieceSent: (piece) => file.release(piece),
      signal: request.signal,
    });
    return sessionState(response);
  } catch (error) {
    if (final && (request.signal.aborted || isUnanswered(error))) options.onAmbiguous();
    throw error;
  }
}

function sessionState(response: HttpResponse): SessionState {
  const { status } = response;
  if (status === 200 || status === 201) {
    return { kind: 'complete', file: parseJsonResponse<DriveFile>(response) };
  }
  if (status === 308) return { kind: 'incomplete', offset: rangeEnd(response.headers.range) };
  if (status === 404 || status === 410) return { kind: 'expired' };
  throw DriveHttpError.fromResponse(response);
}

/** `Range: bytes=0-N` means N + 1 bytes are stored; no header means none. */
function rangeEnd(range: string | undefined): number {
  const match = range ? /bytes=0-(\d+)/.exec(range) : null;
  return match ? Number(match[1]) + 1 : 0;
}
