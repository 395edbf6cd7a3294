import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { AgentNotRunningError } from './socket-errors.ts';
import { assertSocketPathFits } from './socket-path.ts';

// Not `import { request } from 'node:http'`: an ES import of a built-in reads all its exports,
// and node:http's include the lazy WebSocket classes, which load Node's fetch (undici, with TLS
// and crypto) into every client: ~20 ms of a `driveup status` that takes ~50.
const { request } = process.getBuiltinModule('node:http');
const { createConnection } = process.getBuiltinModule('node:net');

/** The subset of WHATWG `fetch` that tRPC's links (and our EventSource) call. */
export type SocketFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The origin every URL on the socket uses. The host part is never resolved: requests go to the
 * socket; it only has to be a valid URL and a sensible `Host` header.
 */
export const SOCKET_ORIGIN = 'http://driveup.localhost';

/**
 * A `fetch` that sends every request over a Unix domain socket or Windows named pipe.
 *
 * Node's global fetch is undici, whose only way to reach a socket is an undici `Agent` with
 * `connect.socketPath`, and undici is not a dependency of ours (Node's bundled copy is not
 * importable). `node:http` speaks over a socket path natively, so this bridges its response to a
 * WHATWG `Response` with a streaming body, which is all tRPC's links and our SSE reader need.
 *
 * Each request opens its own connection, closed after its answer: connecting to a local socket
 * costs microseconds, and holding no keep-alive pool means a client owns nothing that must be
 * closed, and never races the server's idle timeout on a reused connection. The connection is
 * made here rather than by an `http.Agent` (`socketPath`, `agent: false`): an agent's first
 * request checks whether the Host header is an IP address, and compiling Node's IPv6 regular
 * expression for that took ~5 ms of a ~75 ms `driveup status`.
 *
 * Failing to connect because nothing listens (ENOENT, ECONNREFUSED) rejects with
 * {@link AgentNotRunningError}; every other failure rejects with Node's own error.
 */
export function createSocketFetch(socketPath: string): SocketFetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      // A path over the kernel's limit fails to connect with a bare EINVAL: say what it is.
      assertSocketPathFits(socketPath);
      // Not `instanceof Request`: touching the global loads Node's fetch (see BufferedResponse).
      if (typeof input === 'object' && !(input instanceof URL)) {
        // tRPC passes a URL and an init; a Request's body would need reading, so only its URL,
        // method and headers are honoured.
        if (input.body) throw new TypeError('The socket fetch does not read Request bodies.');
        init = { method: input.method, headers: input.headers, signal: input.signal, ...init };
      }
      const url = new URL(
        typeof input === 'object' && !(input instanceof URL) ? input.url : input,
        SOCKET_ORIGIN,
      );
      const headers = plainHeaders(init.headers);
      headers.host = url.host;
      const body = requestBody(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

      const req = request({
        // With no agent, node:http sends `Connection: close` and ends the socket after the answer.
        createConnection: () => createConnection(socketPath),
        method: init.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers,
        signal: init.signal ?? undefined,
      });
      req.once('response', (res) => resolve(toResponse(res, req.method)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
          reject(new AgentNotRunningError(socketPath, error.code, { cause: error }));
        } else {
          reject(error);
        }
      });
      req.end(body);
    });
}

/** tRPC only ever sends string bodies (JSON); anything else would be a programming error here. */
function requestBody(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  throw new TypeError('The socket fetch sends string bodies only.');
}

/** Header names in lower case, as node:http sends them; from any form `fetch` accepts. */
function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!init) return headers;
  const entries =
    Symbol.iterator in init ? (init as Iterable<[string, string]>) : Object.entries(init);
  for (const [name, value] of entries) headers[name.toLowerCase()] = value;
  return headers;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, method: string): Response {
  const status = res.statusCode ?? 200;
  const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
  if (!hasBody) res.resume();
  if (!/^text\/event-stream\b/i.test(res.headers['content-type'] ?? '')) {
    return new BufferedResponse(res, hasBody) as unknown as Response;
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  }
  // Readable.toWeb keeps the body streaming, which server-sent events depend on; if the agent
  // dies mid-stream the web stream errors instead of ending quietly.
  const body = hasBody ? (Readable.toWeb(res) as ReadableStream<Uint8Array>) : null;
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}

/**
 * An answer read whole, with the parts of a WHATWG `Response` that tRPC's links and the probe use
 * (`status`, `ok`, `headers.get`, `json`, `text`, `body.cancel`). A real Response loads Node's
 * fetch implementation (undici, with TLS and crypto): more than the rest of a `driveup status`
 * round trip. Event streams, which need a streaming body, still get a real one.
 */
class BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Pick<Headers, 'get' | 'has'>;
  readonly body: { cancel(): Promise<void> } | null;
  readonly #bytes: Promise<Buffer>;

  constructor(res: IncomingMessage, hasBody: boolean) {
    this.status = res.statusCode ?? 200;
    this.statusText = res.statusMessage ?? '';
    const value = (name: string) => res.headers[name.toLowerCase()];
    this.headers = {
      get: (name) => [value(name) ?? []].flat().join(', ') || null,
      has: (name) => value(name) !== undefined,
    };
    this.body = hasBody ? { cancel: async () => void res.destroy() } : null;
    this.#bytes = hasBody
      ? new Promise((resolve, reject) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () => resolve(Buffer.concat(chunks)));
          // The agent died mid-answer, or the body was cancelled.
          res.once('close', () => res.complete || reject(new Error('The agent closed the answer')));
          res.once('error', reject);
        })
      : Promise.resolve(Buffer.alloc(0));
    // A body nobody reads must not be reported as an unhandled rejection.
    this.#bytes.catch(() => {});
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  async text(): Promise<string> {
    return (await this.#bytes).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
