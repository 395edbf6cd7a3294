import { randomBytes } from 'node:crypto';
import type { BandwidthLimiter } from './bandwidth-limiter.ts';
import { parseJsonResponse, type DriveClient } from './drive-client.ts';
import type { DriveFile } from './drive-files.ts';
import { uploadQuery, type UploadTarget } from './upload-target.ts';

const PIECE = 256 * 1024;

/** A small file in one `multipart/related` request: metadata and content together. */
export async function uploadMultipart(options: {
  client: DriveClient;
  target: UploadTarget;
  content: Buffer;
  limiter: BandwidthLimiter;
  signal: AbortSignal;
  onProgress?: (sentBytes: number) => void;
  /** The request is handed to the connection (or waits for its turn to be): the answer is next. */
  onSent?: () => void;
}): Promise<DriveFile> {
  const { client, target, content, limiter, signal } = options;
  const boundary = `driveup-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n` +
      `${JSON.stringify(target.metadata)}\r\n` +
      `--${boundary}\r\nContent-Type: ${target.mimeType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    const pieceSize = limiter.pieceSize(PIECE);
    for (let at = 0; at < content.length; at += pieceSize) {
      const piece = content.subarray(at, at + pieceSize);
      await limiter.take(piece.length, signal);
      yield piece;
      options.onProgress?.(at + piece.length);
    }
    yield tail;
  }
  // One piece and no cap: one buffer, one write. Streaming it costs more than the piece itself
  // (a stream, a pipeline and their hops), and a burst of small files is where that shows.
  const whole = limiter.bytesPerSecond === null && content.length <= PIECE;
  const sending = client.send({
    method: target.method,
    url: client.url(target.path, uploadQuery('multipart')),
    headers: {
      'content-type': `multipart/related; boundary=${boundary}`,
      'content-length': String(head.length + content.length + tail.length),
    },
    body: whole ? Buffer.concat([head, content, tail]) : body,
    signal,
  });
  options.onSent?.();
  const response = await sending;
  if (whole) options.onProgress?.(content.length);
  return parseJsonResponse<DriveFile>(response);
}
