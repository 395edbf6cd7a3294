import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleAdmin } from './admin.ts';
import { handleDriveFiles, type DriveContext } from './drive-files.ts';
import { DriveUploads } from './drive-upload.ts';
import { Faults, type FaultSpec } from './faults.ts';
import { DriveError, Exchange, RequestAborted, Throttle } from './http-io.ts';
import type { FakeGoogle, FakeGoogleOptions, FakeGoogleState, FakeLatency } from './index.ts';
import { OAuthServer, type TokenResponse } from './oauth.ts';
import { Store, type FakeFile } from './store.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** `/drive/v3/files/abc` and `/upload/drive/v3/files/abc` count under `…/files/{fileId}` too. */
function routeTemplate(pathname: string): string {
  return pathname.replace(/^(\/(?:upload\/)?drive\/v3\/files\/)[^/]+/, '$1{fileId}');
}

/** A bodiless request never reaches a body reader, so a reset fault must cut it here. */
function hasBody(ex: Exchange): boolean {
  const length = ex.header('content-length');
  return ex.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

export class FakeGoogleServer implements FakeGoogle {
  url = '';
  readonly #http: Server;
  readonly #store = new Store();
  readonly #drive: DriveContext;
  readonly #uploads: DriveUploads;
  readonly #oauth: OAuthServer;
  readonly #faults = new Faults();
  readonly #throttle = new Throttle();
  readonly #closing = new AbortController();
  #latencyMs = 0;
  /** Answers held for the latency since it was last set, and how long in all. */
  #held = { answers: 0, totalMs: 0 };
  #counts = new Map<string, number>();
  #total = 0;
  #bytesReceived = 0;
  #activeUploads = 0;

  constructor(opts: FakeGoogleOptions = {}) {
    const user = opts.user ?? { email: 'fake.user@example.com', displayName: 'Fake User' };
    this.#drive = {
      store: this.#store,
      storageLimitBytes: opts.storageLimitBytes ?? 15 * GiB,
      keepBytesUpTo: opts.keepBytesUpTo ?? 64 * MiB,
      user,
    };
    this.#uploads = new DriveUploads(this.#drive);
    this.#oauth = new OAuthServer({
      clientId: opts.clientId ?? 'fake-client-id',
      clientSecret: opts.clientSecret ?? 'fake-client-secret',
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
      user,
    });
    // No request timeout: throttled benchmark uploads may legitimately take minutes.
    this.#http = createServer({ requestTimeout: 0 }, (req, res) => void this.#onRequest(req, res));
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.#throttle.bytesPerSecond = null;
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeAllConnections();
    await closed;
  }

  setConsent(mode: 'grant' | 'deny'): void {
    this.#oauth.consent = mode;
  }
  issueTokens(): TokenResponse {
    return this.#oauth.issueTokens();
  }
  revokeAllRefreshTokens(): void {
    this.#oauth.revokeAllRefreshTokens();
  }
  expireAccessTokens(): void {
    this.#oauth.expireAccessTokens();
  }

  addFault(fault: FaultSpec): void {
    this.#faults.add(fault);
  }
  clearFaults(): void {
    this.#faults.clear();
  }
  setLatency(ms: number): void {
    this.#latencyMs = ms;
    this.#held = { answers: 0, totalMs: 0 };
  }
  latency(): FakeLatency {
    const { answers, totalMs } = this.#held;
    return { ms: this.#latencyMs, answers, meanHeldMs: answers ? totalMs / answers : null };
  }
  setBandwidth(bytesPerSecond: number | null): void {
    this.#throttle.bytesPerSecond = bytesPerSecond;
  }

  files(): FakeFile[] {
    return this.#store.all().map((file) => structuredClone(file));
  }
  fileBytes(id: string): Buffer | undefined {
    return this.#store.bytes(id);
  }
  requestCount(routeKey?: string): number {
    return routeKey === undefined ? this.#total : (this.#counts.get(routeKey) ?? 0);
  }
  bytesReceived(): number {
    return this.#bytesReceived;
  }
  activeUploads(): number {
    return this.#activeUploads;
  }
  state(): FakeGoogleState {
    return {
      files: this.files(),
      requestCounts: Object.fromEntries(this.#counts),
      totalRequests: this.#total,
      bytesReceived: this.#bytesReceived,
    };
  }

  /** Drops files, upload sessions, faults, latency, bandwidth cap and counters; OAuth grants stay. */
  reset(): void {
    this.#store.clear();
    this.#uploads.clear();
    this.#faults.clear();
    this.#latencyMs = 0;
    this.#held = { answers: 0, totalMs: 0 };
    this.#throttle.bytesPerSecond = null;
    this.#counts.clear();
    this.#total = 0;
    this.#bytesReceived = 0;
    this.#oauth.consent = 'grant';
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const admin = url.pathname.startsWith('/__admin/');
    const fault = admin ? undefined : this.#faults.take(method, url);
    const ex = new Exchange({
      req,
      res,
      url,
      origin: this.url,
      fault,
      shared: {
        throttle: this.#throttle,
        countUploadBytes: (n) => (this.#bytesReceived += n),
        answeredAfter: (ms) => {
          this.#held.answers += 1;
          this.#held.totalMs += ms;
        },
      },
    });
    const upload = url.pathname.startsWith('/upload/');
    if (upload) this.#activeUploads += 1;
    try {
      if (admin) return await handleAdmin(this, ex);
      this.#count(method, url.pathname);
      if (fault && 'latencyMs' in fault) {
        await sleep(fault.latencyMs, undefined, { signal: this.#closing.signal });
      }
      ex.answerNoSoonerThan(this.#latencyMs);
      await this.#route(ex);
      await ex.answered;
    } catch (error) {
      if (error instanceof RequestAborted || this.#closing.signal.aborted) return;
      if (error instanceof DriveError)
        return ex.driveError(error.status, error.reason, error.message);
      console.error('fake-google: unexpected error', error);
      ex.driveError(500, 'backendError', String(error));
    } finally {
      if (upload) this.#activeUploads -= 1;
    }
  }

  async #route(ex: Exchange): Promise<void> {
    const { fault } = ex;
    if (fault && 'status' in fault) {
      await ex.readBody(() => {});
      if (fault.html !== undefined) {
        return ex.send(fault.status, { 'Content-Type': 'text/html; charset=UTF-8' }, fault.html);
      }
      const retryAfter = fault.retryAfterSeconds;
      return ex.driveError(
        fault.status,
        fault.reason,
        fault.message,
        retryAfter === undefined ? {} : { 'Retry-After': retryAfter },
      );
    }
    if (fault && 'resetAfterBytes' in fault && !hasBody(ex)) return ex.destroy();
    if (fault && 'hang' in fault) return this.#hang(ex);
    if (await this.#oauth.handle(ex)) return;
    const { pathname } = ex.url;
    if (pathname.startsWith('/drive/') || pathname.startsWith('/upload/')) {
      if (!this.#oauth.authenticate(ex)) return;
      if (await this.#uploads.handle(ex)) return;
      if (await handleDriveFiles(this.#drive, ex)) return;
    }
    ex.driveError(404, 'notFound', `Not Found: ${ex.method} ${pathname}`);
  }

  /** Takes the request in full and never answers, until the client goes away or the fake closes. */
  async #hang(ex: Exchange): Promise<void> {
    await ex.readBody(() => {});
    const { promise, resolve } = Promise.withResolvers<void>();
    ex.res.once('close', resolve);
    this.#closing.signal.addEventListener('abort', () => resolve(), { once: true });
    await promise;
  }

  #count(method: string, pathname: string): void {
    this.#total += 1;
    const keys = new Set([`${method} ${pathname}`, `${method} ${routeTemplate(pathname)}`]);
    for (const key of keys) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
}
