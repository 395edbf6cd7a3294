import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSpec } from './faults.ts';

/** The request was cut off (a reset fault, or the client went away); nothing should be answered. */
export class RequestAborted extends Error {
  constructor() {
    super('request aborted');
  }
}

/** A Drive-style error answer; thrown while reading a body, it is answered once the body is drained. */
export class DriveError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message?: string) {
    super(message ?? DEFAULT_MESSAGES[reason] ?? reason);
    this.status = status;
    this.reason = reason;
  }
}

/**
 * One shared pipe for all request bodies: each chunk books its transfer time after the previous
 * one's, so concurrent uploads share the cap as they would share a real link.
 */
export class Throttle {
  #bytesPerSecond: number | null = null;
  #nextFreeAt = 0;
  #waiting = new Set<() => void>();

  /** Changing the cap releases every paused body at once, so lifting it takes effect now. */
  set bytesPerSecond(value: number | null) {
    this.#bytesPerSecond = value;
    this.#nextFreeAt = 0;
    for (const release of [...this.#waiting]) release();
  }

  /** Pauses `stream` for as long as `bytes` take at the current cap. */
  pace(stream: { pause(): unknown; resume(): unknown }, bytes: number): void {
    if (!this.#bytesPerSecond) return;
    const now = performance.now();
    this.#nextFreeAt = Math.max(now, this.#nextFreeAt) + (bytes / this.#bytesPerSecond) * 1000;
    stream.pause();
    const release = (): void => {
      clearTimeout(timer);
      this.#waiting.delete(release);
      stream.resume();
    };
    const timer = setTimeout(release, this.#nextFreeAt - now);
    this.#waiting.add(release);
  }
}

export interface IoShared {
  throttle: Throttle;
  countUploadBytes(n: number): void;
  /** An answer held for a latency left after `heldMs` (from its request's arrival to its write). */
  answeredAfter(heldMs: number): void;
}

const REASON_DOMAINS: Record<string, string> = {
  userRateLimitExceeded: 'usageLimits',
  rateLimitExceeded: 'usageLimits',
  dailyLimitExceeded: 'usageLimits',
};

const DEFAULT_MESSAGES: Record<string, string> = {
  userRateLimitExceeded: 'User rate limit exceeded.',
  rateLimitExceeded: 'Rate limit exceeded.',
  storageQuotaExceeded: "The user's Drive storage quota has been exceeded.",
  notFound: 'File not found.',
  insufficientPermissions:
    'Insufficient Permission: Request had insufficient authentication scopes.',
  backendError: 'Backend Error',
  authError: 'Invalid Credentials',
  badRequest: 'Bad Request',
  forbidden: 'Forbidden',
};

function defaultReason(status: number): string {
  if (status >= 500) return 'backendError';
  if (status === 429) return 'rateLimitExceeded';
  if (status === 404) return 'notFound';
  if (status === 403) return 'forbidden';
  if (status === 401) return 'authError';
  return 'badRequest';
}

export function driveErrorBody(status: number, reason?: string, message?: string): object {
  const why = reason ?? defaultReason(status);
  const text = message ?? DEFAULT_MESSAGES[why] ?? why;
  return {
    error: {
      code: status,
      message: text,
      errors: [{ message: text, domain: REASON_DOMAINS[why] ?? 'global', reason: why }],
    },
  };
}

/** One request/response pair, with the body reading and answering every handler needs. */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly method: string;
  readonly origin: string;
  readonly fault: FaultSpec | undefined;
  readonly #shared: IoShared;
  #bodyRead = false;
  /** When the request arrived and for how long its answer is held, if it is. */
  #hold: { arrivedAt: number; ms: number } | null = null;
  #answering = false;
  #answered: Promise<void> = Promise.resolve();

  constructor(init: {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    origin: string;
    fault: FaultSpec | undefined;
    shared: IoShared;
  }) {
    this.req = init.req;
    this.res = init.res;
    this.url = init.url;
    this.method = (init.req.method ?? 'GET').toUpperCase();
    this.origin = init.origin;
    this.fault = init.fault;
    this.#shared = init.shared;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  query(name: string): string | null {
    return this.url.searchParams.get(name);
  }

  get bodyRead(): boolean {
    return this.#bodyRead;
  }

  /**
   * Holds the answer until `ms` from now, whatever the handling takes meanwhile: the latency a
   * client sees is then the time Google takes, its own work inside it. A real server handles
   * concurrent requests beside each other; this one process would otherwise add each request's
   * handling, and its wait behind the others', on top of the latency.
   */
  answerNoSoonerThan(ms: number): void {
    this.#hold = ms > 0 ? { arrivedAt: performance.now(), ms } : null;
  }

  /** Settles once the answer is written, or the exchange is cut off. */
  get answered(): Promise<void> {
    return this.#answered;
  }

  /**
   * Streams the body to `onChunk` (Buffers as they arrive: no copying, no per-byte work), applying the
   * bandwidth cap and a `resetAfterBytes` fault. Rejects with RequestAborted when the socket is cut,
   * or with whatever `onChunk` threw once the remaining body has been drained.
   */
  readBody(onChunk: (chunk: Buffer) => void): Promise<void> {
    this.#bodyRead = true;
    const { req } = this;
    const limit =
      this.fault && 'resetAfterBytes' in this.fault ? this.fault.resetAfterBytes : Infinity;
    const counts = this.url.pathname.startsWith('/upload/');
    return new Promise((resolve, reject) => {
      let received = 0;
      let settled = false;
      let failure: unknown;
      const abort = (): void => {
        settled = true;
        this.destroy();
        reject(new RequestAborted());
      };
      const deliver = (chunk: Buffer): void => {
        received += chunk.length;
        if (counts) this.#shared.countUploadBytes(chunk.length);
        if (failure !== undefined || chunk.length === 0) return;
        try {
          onChunk(chunk);
        } catch (error) {
          failure = error;
        }
      };
      if (limit <= 0) return abort();
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (received + chunk.length >= limit) {
          deliver(chunk.subarray(0, limit - received));
          return abort();
        }
        deliver(chunk);
        this.#shared.throttle.pace(req, chunk.length);
      });
      req.on('end', () => {
        if (settled) return;
        if (limit !== Infinity) return abort();
        settled = true;
        if (failure !== undefined) reject(failure);
        else resolve();
      });
      req.on('close', () => {
        if (settled) return;
        settled = true;
        reject(new RequestAborted());
      });
    });
  }

  async readAll(maxBytes = 10 * 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    await this.readBody((chunk) => {
      size += chunk.length;
      if (size > maxBytes) throw new DriveError(413, 'uploadTooLarge', 'Request body too large.');
      chunks.push(chunk);
    });
    return Buffer.concat(chunks, size);
  }

  async readJson(): Promise<Record<string, unknown>> {
    const body = await this.readAll();
    if (body.length === 0) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new DriveError(400, 'parseError', 'Parse Error');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DriveError(400, 'parseError', 'Request body must be a JSON object.');
    }
    return parsed as Record<string, unknown>;
  }

  /** Reads an application/x-www-form-urlencoded body (what OAuth clients send). */
  async readForm(): Promise<URLSearchParams> {
    const body = await this.readAll();
    const type = this.header('content-type') ?? '';
    if (type.includes('application/json') && body.length > 0) {
      const json = JSON.parse(body.toString('utf8')) as Record<string, string>;
      return new URLSearchParams(json);
    }
    return new URLSearchParams(body.toString('utf8'));
  }

  /** Cuts the connection without an answer. */
  destroy(): void {
    this.req.socket.destroy();
  }

  send(status: number, headers: Record<string, string | number>, body?: string | Buffer): void {
    if (this.#answering || this.res.headersSent || this.res.destroyed) return;
    this.#answering = true;
    const wait = this.#hold ? this.#hold.arrivedAt + this.#hold.ms - performance.now() : 0;
    if (wait <= 0) return this.#write(status, headers, body);
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#answered = promise;
    const timer = setTimeout(() => {
      this.res.off('close', cutOff);
      this.#write(status, headers, body);
      resolve();
    }, wait);
    const cutOff = (): void => {
      clearTimeout(timer);
      resolve();
    };
    this.res.once('close', cutOff);
  }

  #write(status: number, headers: Record<string, string | number>, body?: string | Buffer): void {
    if (this.res.destroyed) return;
    if (this.fault && 'resetAfterCommit' in this.fault) return this.destroy();
    if (this.#hold) this.#shared.answeredAfter(performance.now() - this.#hold.arrivedAt);
    this.res.writeHead(status, headers);
    this.res.end(body);
  }

  json(status: number, body: unknown, headers: Record<string, string | number> = {}): void {
    this.send(
      status,
      { 'Content-Type': 'application/json; charset=UTF-8', ...headers },
      JSON.stringify(body),
    );
  }

  driveError(
    status: number,
    reason?: string,
    message?: string,
    headers: Record<string, string | number> = {},
  ): void {
    this.json(status, driveErrorBody(status, reason, message), headers);
  }
}
