import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https = new HttpsAgent({ keepAlive: true });

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    request.signal.throwIfAborted();
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const body = request.body;
    const headers = { ...request.headers };
    if (body === undefined) headers['content-length'] ??= '0';
    else if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers,
      agent: secure ? this.#https : this.#http,
      signal: request.signal,
    });
    req.setTimeout(this.#timeoutMs, () => req.destroy(new RequestTimeoutError(this.#timeoutMs)));
    const answered = readResponse(req);
    // An early answer (an error before the body is all sent) ends the exchange: the write side's
    // failure is then only the consequence of the server closing, not the outcome.
    const written = writeBody(req, body).catch((error: unknown) =>
      answered.then(
        () => undefined,
        () => {
          throw error;
        },
      ),
    );
    return Promise.all([answered, written]).then(([response]) => response);
  }

  /** Drops pooled connections so a closing agent leaves nothing behind. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

async function writeBody(
  req: ReturnType<typeof httpRequest>,
  body: HttpRequest['body'],
): Promise<void> {
  if (body === undefined) return void req.end();
  if (Buffer.isBuffer(body)) return void req.end(body);
  await pipeline(Readable.from(body(), { objectMode: false, highWaterMark: 1 }), req);
}

function readResponse(req: ReturnType<typeof httpRequest>): Promise<HttpResponse> {
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
