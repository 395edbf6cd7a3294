import { STATUS_CODES } from 'node:http';
import { describeGoogleError, isInvalidGrant } from './google-error.ts';
import { UploadError } from './uploader.ts';

/** A Drive answer that was not a success, with what the scheduler and the user need from it. */
export class DriveHttpError extends Error {
  readonly status: number;
  /** Drive's `errors[0].reason`, e.g. `storageQuotaExceeded`; empty when the body had none. */
  readonly reason: string;
  readonly retryAfterMs: number | undefined;
  /** False when the body was not Drive's JSON (a proxy's page): the message is a summary of it. */
  readonly fromDrive: boolean;

  constructor(
    status: number,
    reason: string,
    message: string,
    retryAfterMs?: number,
    fromDrive = true,
  ) {
    super(message);
    this.name = 'DriveHttpError';
    this.status = status;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
    this.fromDrive = fromDrive;
  }

  static fromResponse(response: {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }): DriveHttpError {
    const retryAfter = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
    const parsed = parseErrorBody(response.body);
    if (!parsed) {
      const summary = summarizeBody(
        response.status,
        response.headers['content-type'],
        response.body,
      );
      return new DriveHttpError(response.status, '', summary, retryAfterMs, false);
    }
    const { reason, message } = parsed;
    return new DriveHttpError(
      response.status,
      reason,
      message || `HTTP ${response.status}`,
      retryAfterMs,
    );
  }
}

/** The request ran out of time without an answer (our own idle timeout). */
export class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer from Google Drive within ${Math.round(ms / 1000)} s`);
    this.name = 'RequestTimeoutError';
  }
}

/** A staged request dropped while it waited for its slot (a pause, a cancel): nothing went out. */
export class RequestNotSent extends Error {
  constructor(cause: unknown) {
    super('The request was dropped before it was sent', { cause });
    this.name = 'RequestNotSent';
  }
}

const RATE_LIMIT_REASONS = new Set([
  'userRateLimitExceeded',
  'rateLimitExceeded',
  'sharingRateLimitExceeded',
  'backendError',
]);
const PERMISSION_REASONS = new Set([
  'insufficientPermissions',
  'insufficientFilePermissions',
  'appNotAuthorizedToFile',
]);
const QUOTA_REASONS = new Set(['storageQuotaExceeded', 'quotaExceeded']);

/** No route to Google at all: the queue waits for the network instead of spending attempts. */
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'ECONNREFUSED',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
]);
/** The network is there but this exchange broke: worth a retry with backoff. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export const DRIVE_FULL = 'Your Google Drive is full: free space or buy storage, then retry';
export const ACCESS_REVOKED = 'Google access was revoked or expired: sign in again';

/**
 * Turns anything an upload attempt can throw into the scheduler's vocabulary, with a message a
 * person can act on. Token-endpoint failures arrive as GaxiosErrors, Drive answers as
 * DriveHttpError, socket trouble as Node errors with a `code`.
 */
export function classifyDriveError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  if (error instanceof DriveHttpError) return classifyHttp(error);
  if (isInvalidGrant(error)) return new UploadError('auth', ACCESS_REVOKED, { cause: error });
  const code = networkCode(error);
  if (code && OFFLINE_CODES.has(code)) {
    return new UploadError(
      'offline',
      `Cannot reach Google Drive (${code}): waiting for the network`,
      {
        cause: error,
      },
    );
  }
  if (code && TRANSIENT_CODES.has(code)) {
    return new UploadError('transient', `The connection to Google Drive broke (${code})`, {
      cause: error,
    });
  }
  if (gaxiosStatus(error) !== undefined) return tokenEndpointFailure(error);
  // Unknown failures are retried with backoff for the retry window: giving up on a
  // surprise would lose the file for good.
  return new UploadError('transient', `Upload failed: ${describeGoogleError(error)}`, {
    cause: error,
  });
}

/**
 * The request went out and the connection failed or timed out before an answer: whatever it asked
 * for may have happened.
 */
export function isUnanswered(error: unknown): boolean {
  if (error instanceof UploadError || error instanceof DriveHttpError) return false;
  return classifyDriveError(error).kind === 'transient';
}

function classifyHttp(error: DriveHttpError): UploadError {
  const { status, reason } = error;
  const options = { cause: error, retryAfterMs: error.retryAfterMs };
  const drive = error.fromDrive
    ? `Google Drive answered ${status}${reason ? ` ${reason}` : ''}: ${error.message}`
    : `Google Drive answered ${error.message}`;
  if (status >= 500 || status === 429 || status === 408) {
    return new UploadError('transient', drive, options);
  }
  if (status === 403 && RATE_LIMIT_REASONS.has(reason)) {
    return new UploadError('transient', drive, options);
  }
  if (QUOTA_REASONS.has(reason)) return new UploadError('permanent', DRIVE_FULL, options);
  if (PERMISSION_REASONS.has(reason)) {
    return new UploadError(
      'permanent',
      'DriveUp is not allowed to write there: with the recommended "drive.file" access it can only use folders it created. ' +
        'Choose a destination DriveUp created, or set Google access to "drive" (full Drive) in settings and sign in again',
      options,
    );
  }
  if (status === 404) {
    return new UploadError(
      'permanent',
      'The destination was not found in Google Drive (deleted, trashed or not shared with DriveUp): check the destination folder, then retry',
      options,
    );
  }
  if (status === 401) {
    // Only after a refresh that Google accepted (drive-client.ts): a revoked sign-in fails that
    // refresh with invalid_grant instead. A fresh token refused is Google's hiccup: try again.
    return new UploadError(
      'transient',
      'Google Drive refused a freshly renewed access token (401); trying again',
      options,
    );
  }
  return new UploadError('permanent', drive, options);
}

/**
 * The token endpoint failed while renewing the access token, with anything but `invalid_grant`
 * (which the sign-in service turns into "sign in again", see isInvalidGrant above). A 5xx, a 429,
 * a proxy's 403 or a stray 400 is no reason to stop everything and ask for a sign-in that the
 * status would not even call for: the attempt is retried with backoff like any passing failure,
 * and the next refresh that works carries on.
 */
function tokenEndpointFailure(error: unknown): UploadError {
  const text = `Google sign-in answered ${describeGoogleError(error)} while renewing access; trying again`;
  return new UploadError('transient', text, { cause: error });
}

/** The first string `code` along the cause chain (gaxios and fetch wrap the socket error). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    current = cause;
  }
  return undefined;
}

function gaxiosStatus(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** C0 and C1 control characters as spaces: what a server sent must not drive the terminal. */
function withoutControls(text: string): string {
  return Array.from(text, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : ch;
  }).join('');
}

/** Drive's JSON error (`{ error: { message, errors: [{ reason }] } }`), or null for anything else. */
function parseErrorBody(body: Buffer): { reason: string; message: string } | null {
  let parsed: { error?: { message?: unknown; errors?: { reason?: unknown }[] } | string };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return body.length === 0 ? { reason: '', message: '' } : null;
  }
  const error = parsed?.error;
  if (typeof error === 'string') return { reason: error, message: error };
  const reason = error?.errors?.[0]?.reason;
  return {
    reason: typeof reason === 'string' ? reason : '',
    message: typeof error?.message === 'string' ? error.message : '',
  };
}

/**
 * An answer that is not Drive's JSON, told in one line instead of pasted: a proxy's or a captive
 * portal's HTML page said as such, other text by its first line, without control characters.
 * "413 Request Entity Too Large (an HTML page, probably from a proxy)"
 */
function summarizeBody(
  status: number,
  contentType: string | string[] | undefined,
  body: Buffer,
): string {
  const text = body.toString('utf8', 0, 4096);
  const type = Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '');
  if (/html/i.test(type) || /^\s*</.test(text)) {
    // A proxy's own words for the status when its page's title gives them ("413 Request Entity
    // Too Large"), else the standard ones; nothing else of the page.
    const title = withoutControls(
      /<title[^>]*>([^<]{1,100})<\/title>/i.exec(text)?.[1] ?? '',
    ).trim();
    const head = title.startsWith(`${status} `) ? title : `${status} ${STATUS_CODES[status] ?? ''}`;
    return `${head.trim()} (an HTML page, probably from a proxy)`;
  }
  const head = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  const line = withoutControls(first).trim().slice(0, 200);
  return line ? `${head}: ${line}` : head;
}

/**
 * Whether Drive's answer asks every caller to slow down (429, a rate-limit 403, or any error with
 * Retry-After), and for how long when it says; null when it does not.
 */
export function rateLimitOf(response: {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}): { retryAfterMs: number | undefined } | null {
  if (response.status < 400) return null;
  const header = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(typeof header === 'string' ? header : undefined);
  const rateLimited =
    response.status === 429 ||
    retryAfterMs !== undefined ||
    (response.status === 403 &&
      RATE_LIMIT_REASONS.has(parseErrorBody(response.body)?.reason ?? ''));
  return rateLimited ? { retryAfterMs } : null;
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
