import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream';
import { renderRedirectPage } from './redirect-page.ts';
import { SignInError } from './sign-in-error.ts';

const REDIRECT_PATH = '/oauth2callback';

export interface LoopbackRedirectOptions<T> {
  /** The `state` sent to Google; the redirect must bring it back unchanged. */
  state: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Turns the authorization code into the result; its `message` (or the error's) is shown in the
   * browser, so it must hold nothing secret.
   */
  onCode(code: string): Promise<{ value: T; message: string }>;
}

export interface LoopbackRedirect<T> {
  /** `http://127.0.0.1:<port>/oauth2callback`, for the authorization request. */
  redirectUri: string;
  /** Settles once the listener is closed: with the value, or with a `SignInError` (or `onCode`'s). */
  result: Promise<T>;
}

/**
 * The loopback redirect RFC 8252 prescribes for desktop apps: a listener on 127.0.0.1 only, on a
 * port the OS picks, that serves exactly one redirect and closes. Only a request carrying this
 * attempt's `state` may complete or fail it: any local user can reach the port, and one stray or
 * forged request must not end the sign-in. Such requests get a 400 (or a 404, like a browser's
 * `/favicon.ico`) and the attempt goes on.
 */
export async function listenForRedirect<T>(
  options: LoopbackRedirectOptions<T>,
): Promise<LoopbackRedirect<T>> {
  if (options.signal?.aborted) throw cancelled();
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  const result = serveOneRedirect(server, options);
  // It may settle before the caller gets to await it (a fast or forged redirect): not a crash.
  result.catch(() => undefined);
  return { redirectUri: `http://127.0.0.1:${port}${REDIRECT_PATH}`, result };
}

function serveOneRedirect<T>(server: Server, options: LoopbackRedirectOptions<T>): Promise<T> {
  const close = closer(server);
  return new Promise<T>((resolve, reject) => {
    let consumed = false;
    const fail = (error: unknown) => {
      cleanup();
      void close(true).then(() => reject(error));
    };
    const timer = setTimeout(
      () => fail(new SignInError('timeout', timeoutMessage(options.timeoutMs))),
      options.timeoutMs,
    );
    const onAbort = () => fail(cancelled());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== REDIRECT_PATH || consumed) {
        res.writeHead(404, { 'Content-Type': 'text/plain', Connection: 'close' }).end('Not found');
        return;
      }
      const untrusted = stateProblem(url.searchParams, options.state);
      if (untrusted) {
        send(res, 400, untrusted, false);
        return;
      }
      consumed = true;
      // The user has done their part: from here only a cancel stops the attempt.
      clearTimeout(timer);
      void close(false);
      void handleRedirect(url.searchParams, options).then(
        (outcome) => {
          cleanup();
          send(res, 200, outcome.message, true);
          finished(res, () => void close(true).then(() => resolve(outcome.value)));
        },
        (error: unknown) => {
          send(res, 400, messageOf(error), false);
          finished(res, () => fail(error));
        },
      );
    });
  });
}

/** Why a redirect cannot be trusted as this attempt's answer (the attempt ignores it), or null. */
function stateProblem(params: URLSearchParams, expected: string): string | null {
  const state = params.get('state');
  if (state === null) {
    return 'This answer carried no state parameter, so DriveUp did not trust it and ignored it. The sign-in you started is still waiting for its own answer.';
  }
  if (!sameString(state, expected)) {
    return 'This answer did not match the sign-in under way (wrong state parameter), so DriveUp did not trust it and ignored it. The sign-in you started is still waiting for its own answer.';
  }
  return null;
}

async function handleRedirect<T>(
  params: URLSearchParams,
  options: LoopbackRedirectOptions<T>,
): Promise<{ value: T; message: string }> {
  const error = params.get('error');
  if (error === 'access_denied') {
    throw new SignInError(
      'denied',
      'Access was declined on the Google consent page, so DriveUp is not signed in.',
    );
  }
  const code = params.get('code');
  if (error !== null || !code) {
    throw new SignInError(
      'provider-error',
      `Google did not complete the sign-in: ${error ?? 'no authorization code in the answer'}.`,
    );
  }
  return options.onCode(code);
}

function send(res: ServerResponse, status: number, message: string, ok: boolean): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
    Connection: 'close',
  });
  res.end(renderRedirectPage({ ok, message }));
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Stops accepting at once and resolves when every connection is gone; `force` also cuts the ones
 * still open, so neither a browser's keep-alive socket nor an unfinished request holds the port.
 */
function closer(server: Server): (force: boolean) => Promise<void> {
  let closed: Promise<void> | undefined;
  return (force) => {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    if (force) server.closeAllConnections();
    else server.closeIdleConnections();
    return closed;
  };
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function cancelled(): SignInError {
  return new SignInError('cancelled', 'The sign-in was cancelled.');
}

function timeoutMessage(timeoutMs: number): string {
  return `No answer came back from the browser within ${describeSpan(timeoutMs)}; the sign-in was abandoned. Please try again.`;
}

/** "5 minutes", "90 seconds", "250 ms": how long a sign-in waited, for its messages. */
export function describeSpan(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= 60_000 && ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  if (ms >= 1000 && ms % 1000 === 0) return plural(ms / 1000, 'second');
  return `${ms} ms`;
}

function messageOf(error: unknown): string {
  return error instanceof SignInError ? error.message : 'Signing in failed.';
}
