import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { AgentNotRunningError } from './socket-errors.ts';

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
 * Each request opens its own connection (`agent: false`): connecting to a local socket costs
 * microseconds, and holding no keep-alive pool means a client owns nothing that must be closed,
 * and never races the server's idle timeout on a reused connection.
 *
 * Failing to connect because nothing listens (ENOENT, ECONNREFUSED) rejects with
 * {@link AgentNotRunningError}; every other failure rejects with Node's own error.
 */
export function createSocketFetch(socketPath: string): SocketFetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      if (input instanceof Request) {
        // tRPC passes a URL and an init; a Request's body would need reading, so only its URL,
        // method and headers are honoured.
        if (input.body) throw new TypeError('The socket fetch does not read Request bodies.');
        init = { method: input.method, headers: input.headers, signal: input.signal, ...init };
      }
      const url = new URL(input instanceof Request ? input.url : input, SOCKET_ORIGIN);
      const headers = new Headers(init.headers);
      headers.set('host', url.host);
      const body = requestBody(init.body);
      if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));

      const req = request({
        socketPath,
        agent: false,
        method: init.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(headers),
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

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  }
  const status = res.statusCode ?? 200;
  const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
  if (!hasBody) res.resume();
  // Readable.toWeb keeps the body streaming, which server-sent events depend on; if the agent
  // dies mid-stream the web stream errors instead of ending quietly.
  const body = hasBody ? (Readable.toWeb(res) as ReadableStream<Uint8Array>) : null;
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}
