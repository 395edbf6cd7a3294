import type { OAuth2Client } from 'google-auth-library';
import { abortable } from './abortable.ts';
import type { DriveAuth } from './drive-auth.ts';
import { ACCESS_REVOKED, DriveHttpError, rateLimitOf, RequestNotSent } from './drive-errors.ts';
import { DrivePacer } from './drive-pacer.ts';
import { DriveHttp, type HttpRequest, type HttpResponse } from './drive-http.ts';
import { UploadError } from './uploader.ts';
import type { HttpAgentFor } from '../net/http-agents.ts';

export type Query = Record<string, string | undefined>;

/**
 * What every Drive request of the agent shares: the keep-alive connection pools with their idle
 * timeout, and the pacer. The uploader and the sign-in's account reads take the same one.
 */
export interface DriveTransport {
  http: DriveHttp;
  pacer: DrivePacer;
}

/** Idle time after which a Drive request counts as timed out, unless said otherwise. */
const DRIVE_REQUEST_TIMEOUT_MS = 60_000;

export function createDriveTransport(
  timeoutMs = DRIVE_REQUEST_TIMEOUT_MS,
  httpAgent?: HttpAgentFor,
): DriveTransport {
  return { http: new DriveHttp(timeoutMs, httpAgent), pacer: new DrivePacer() };
}

/** How long a token refresh may take before the attempt counts as a passing failure. */
const TOKEN_TIMEOUT_MS = 60_000;

/**
 * Drive requests with the user's bearer token, every one paced by one DrivePacer (a rate limit
 * slows all of them). A 401 means the access token died early (revoked session, clock skew): the
 * token is refreshed once and the request sent once more; a second 401 is the caller's to report.
 */
export class DriveClient {
  apiRoot: string;
  readonly pacer: DrivePacer;
  readonly #auth: DriveAuth;
  readonly #http: DriveHttp;
  /** Requests made under these signals wait for the promise first (staged attempts). */
  readonly #held = new WeakMap<AbortSignal, Promise<void>>();

  constructor(auth: DriveAuth, http: DriveHttp, apiRoot: string, pacer = new DrivePacer()) {
    this.#auth = auth;
    this.#http = http;
    this.pacer = pacer;
    this.apiRoot = withSlash(apiRoot);
  }

  /**
   * Every request made under `signal` waits for `until` before it takes its turn: a staged upload
   * prepares its request while the slot it will take is still busy, and sends nothing before then.
   */
  holdUntil(signal: AbortSignal, until: Promise<void>): void {
    this.#held.set(signal, until);
  }

  /** `google.endpoint` changed: later requests go to the new root. */
  setApiRoot(apiRoot: string): void {
    this.apiRoot = withSlash(apiRoot);
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(path, this.apiRoot);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  }

  async send(
    request: Omit<HttpRequest, 'headers'> & { headers?: Record<string, string> },
  ): Promise<HttpResponse> {
    const client = await this.#auth.client();
    const first = await this.#sendAuthorized(client, request);
    if (first.response.status !== 401) return first.response;
    forceRefresh(client, first.token);
    return (await this.#sendAuthorized(client, request)).response;
  }

  /** A JSON API call; any non-2xx answer becomes a DriveHttpError. */
  async json<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal: AbortSignal },
  ): Promise<T> {
    const hasBody = options.body !== undefined;
    const response = await this.send({
      method,
      url: this.url(path, options.query),
      signal: options.signal,
      ...(hasBody
        ? {
            headers: { 'content-type': 'application/json; charset=UTF-8' },
            body: Buffer.from(JSON.stringify(options.body)),
          }
        : {}),
    });
    return parseJsonResponse<T>(response);
  }

  /** A staged request waits for its slot; dropped meanwhile, it says nothing went out. */
  async #slotFreed(signal: AbortSignal): Promise<void> {
    const held = this.#held.get(signal);
    if (!held) return;
    await abortable(held, signal).catch((error: unknown) => {
      throw new RequestNotSent(error);
    });
    this.#held.delete(signal);
  }

  async #sendAuthorized(
    client: OAuth2Client,
    request: Omit<HttpRequest, 'headers'> & { headers?: Record<string, string> },
  ): Promise<{ token: string | undefined; response: HttpResponse }> {
    // The slot before the turn, so that a rate limit heard meanwhile counts; the turn before the
    // token: a long wait for a turn must not send a token that expired in it.
    await this.#slotFreed(request.signal);
    const turn = this.pacer.turn(request.signal);
    if (turn) await turn;
    // v10 returns a fetch Headers object; it refreshes the access token itself when it is expiring.
    // That refresh takes no signal and no timeout: without these, a token endpoint that never
    // answers would hold the upload (and its slot, and a stop) for good.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(tokenTimeout()), TOKEN_TIMEOUT_MS).unref();
    });
    const headers = await Promise.race([
      abortable(client.getRequestHeaders(), request.signal),
      timedOut,
    ]).finally(() => clearTimeout(timer));
    const authorization = headers.get('authorization') ?? '';
    const response = await this.#http.send({
      ...request,
      headers: { ...request.headers, authorization },
    });
    const limit = rateLimitOf(response);
    if (limit) this.pacer.limited(limit.retryAfterMs);
    else if (response.status < 500) this.pacer.content();
    return { token: authorization.replace(/^Bearer\s+/i, ''), response };
  }
}

function tokenTimeout(): UploadError {
  return new UploadError(
    'transient',
    `Google sign-in did not answer within ${TOKEN_TIMEOUT_MS / 1000} s while renewing the access token`,
  );
}

export function parseJsonResponse<T>(response: HttpResponse): T {
  if (response.status < 200 || response.status >= 300) throw DriveHttpError.fromResponse(response);
  if (response.body.length === 0) return {} as T;
  return JSON.parse(response.body.toString('utf8')) as T;
}

/**
 * Marks the token expired so the next getRequestHeaders() refreshes it, unless a concurrent upload
 * already replaced the token that was refused.
 */
function forceRefresh(client: OAuth2Client, refused: string | undefined): void {
  if (client.credentials.access_token && client.credentials.access_token !== refused) return;
  if (!client.credentials.refresh_token) throw new UploadError('auth', ACCESS_REVOKED);
  client.credentials.expiry_date = 1;
}

function withSlash(apiRoot: string): string {
  return apiRoot.endsWith('/') ? apiRoot : `${apiRoot}/`;
}
