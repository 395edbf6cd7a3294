import { once } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { nodeHttpAgents, type HttpAgentFor, type HttpAgents } from '../net/http-agents.ts';
import { RequestTimeoutError } from './drive-errors.ts';

/**
 * Drive HTTP is done with node:http rather than googleapis/gaxios or fetch: uploads need a body
 * streamed from disk with backpressure (bounded memory, no per-request buffering of a chunk),
 * an idle timeout that fires only when the socket is silent (a slow link or a bandwidth cap is not
 * a timeout), socket errors with their real codes (ECONNRESET vs ECONNREFUSED decides transient vs
 * offline), and per-call URLs (googleapis sends media to Google's real host). One transport for the
 * metadata calls too keeps a single keep-alive pool, abort path and error classification.
 */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A whole small body, or a fresh stream of one for every try (a 401 retry sends it again). */
  body?: Buffer | (() => AsyncIterable<Buffer>);
  /**
   * Each piece of a streamed body once the socket has taken it: its memory may then be reused.
   * Not called for a piece the request failed to send.
   */
  onPieceSent?: (piece: Buffer) => void;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Drive's answers are small JSON documents; anything bigger is not something we asked for. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class DriveHttp {
  readonly #timeoutMs: number;
  readonly #agentFor: HttpAgentFor;
  /** Agents of our own when the host gave none: ours to close. */
  readonly #own: HttpAgents | undefined;

  constructor(timeoutMs: number, agentFor?: HttpAgentFor) {
    this.#timeoutMs = timeoutMs;
    this.#own = agentFor ? undefined : nodeHttpAgents();
    this.#agentFor = agentFor ?? this.#own!.agentFor;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    request.signal.throwIfAborted();
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const body = request.body;
    const headers = { ...request.headers };
    if (body === undefined) headers['content-length'] ??= '0';
    else if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    // Registered before the request's own abort handling, so it runs first: an aborted upload ends
    // with a reset, which drops what the kernel still buffers for the socket. A plain close would
    // send it all first (megabytes on a slow link), and a pause would not stop the traffic.
    const reset = (): void => {
      const socket = req.socket;
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    };
    request.signal.addEventListener('abort', reset, { once: true });
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers,
      agent: this.#agentFor(url),
      signal: request.signal,
    });
    req.setTimeout(this.#timeoutMs, () => req.destroy(new RequestTimeoutError(this.#timeoutMs)));
    const answered = readResponse(req);
    // An early answer (an error before the body is all sent) ends the exchange: the write side's
    // failure is then only the consequence of the server closing, not the outcome.
    const written = writeBody(req, body, request.onPieceSent).catch((error: unknown) =>
      answered.then(
        () => undefined,
        () => {
          throw error;
        },
      ),
    );
    return Promise.all([answered, written])
      .then(([response]) => response)
      .finally(() => request.signal.removeEventListener('abort', reset));
  }

  /** Drops pooled connections so a closing agent leaves nothing behind (the host's are its own). */
  close(): void {
    this.#own?.destroy();
  }
}

async function writeBody(
  req: ClientRequest,
  body: HttpRequest['body'],
  onPieceSent: HttpRequest['onPieceSent'],
): Promise<void> {
  if (body === undefined) return void req.end();
  if (Buffer.isBuffer(body)) return void req.end(body);
  await writePieces(req, body(), onPieceSent);
}

/**
 * Writes a streamed body with backpressure, one piece ahead of the socket. By hand rather than
 * through stream.pipeline, which cannot say when the socket has taken a piece: knowing that lets
 * the file reuse its read buffers, where a fresh MiB per piece made V8 collect the whole heap
 * every few dozen MiB (a fifth of a large upload's time in the agent).
 */
async function writePieces(
  req: ClientRequest,
  pieces: AsyncIterable<Buffer>,
  onPieceSent: HttpRequest['onPieceSent'],
): Promise<void> {
  const broken = new Promise<never>((_, reject) => {
    req.once('error', reject);
    req.once('close', () => reject(new Error('The connection closed before the upload was sent')));
  });
  broken.catch(() => {}); // also rejects after a complete exchange, when nobody waits any more
  try {
    for await (const piece of pieces) {
      const room = req.write(piece, (error) => {
        if (!error) onPieceSent?.(piece);
      });
      if (!room) await Promise.race([once(req, 'drain'), broken]);
    }
  } catch (error) {
    req.destroy(error as Error);
    throw error;
  }
  await Promise.race([new Promise<void>((resolve) => req.end(resolve)), broken]);
}

function readResponse(req: ClientRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      });
      res.once('error', reject);
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
  });
}
