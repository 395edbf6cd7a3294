import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { UploadError } from './uploader.ts';

export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

export interface RangeOptions {
  pieceSize: number;
  signal: AbortSignal;
  /** Awaited before each piece is handed on (the bandwidth cap). */
  beforePiece?(bytes: number, signal: AbortSignal): Promise<void>;
  /** The file position reached, as each piece is handed on. */
  onPiece?(position: number): void;
}

const READ_PIECE = 1024 * 1024;

/**
 * The local file being uploaded: one open handle, reads at an offset, and the MD5 of everything
 * read so far. Bytes are hashed once, in order, the first time they are read, so a chunk sent
 * again after a reset is not hashed twice and a resumed upload re-hashes only what it skips.
 */
export class LocalFile {
  readonly path: string;
  readonly name: string;
  readonly expected: FileIdentity;
  readonly #handle: FileHandle;
  readonly #hash = createHash('md5');
  #hashedUpTo = 0;
  #content: Buffer | undefined;
  #closed: Promise<void> | undefined;

  private constructor(path: string, name: string, expected: FileIdentity, handle: FileHandle) {
    this.path = path;
    this.name = name;
    this.expected = expected;
    this.#handle = handle;
  }

  /**
   * Opens the file and checks it is still what was queued. Both at once: each is a trip through
   * libuv's thread pool, and for small files those trips are most of the time spent here.
   */
  static async open(path: string, name: string, expected: FileIdentity): Promise<LocalFile> {
    const [same, handle] = await Promise.allSettled([
      assertSameFile(path, name, expected),
      open(path, 'r'),
    ]);
    if (same.status === 'rejected') {
      if (handle.status === 'fulfilled') await handle.value.close().catch(() => {});
      throw same.reason;
    }
    if (handle.status === 'rejected') throw unreadable(name, handle.reason);
    return new LocalFile(path, name, expected, handle.value);
  }

  /**
   * Opens, reads in full (hashing as it goes) and closes: a small file read ahead of its upload.
   * readAll() and md5() then answer from memory; nothing else reads again.
   */
  static async preload(path: string, name: string, expected: FileIdentity): Promise<LocalFile> {
    const file = await LocalFile.open(path, name, expected);
    try {
      await file.readAll(new AbortController().signal);
    } finally {
      await file.close();
    }
    return file;
  }

  get size(): number {
    return this.expected.size;
  }

  get fullyHashed(): boolean {
    return this.#hashedUpTo === this.size;
  }

  /** Hex MD5 of the whole file; reads whatever has not been hashed yet. */
  async md5(signal: AbortSignal): Promise<string> {
    await this.hashUpTo(this.size, signal);
    return this.#hash.copy().digest('hex');
  }

  /** Brings the hash up to `position` by reading from disk (used when resuming past unread bytes). */
  async hashUpTo(position: number, signal: AbortSignal): Promise<void> {
    if (position <= this.#hashedUpTo) return;
    for await (const _piece of this.range(this.#hashedUpTo, position, {
      pieceSize: READ_PIECE,
      signal,
    })) {
      // range() hashes as it reads; nothing else to do with the bytes.
    }
  }

  /** The whole file in memory, kept: only for the small files sent in one multipart request. */
  async readAll(signal: AbortSignal): Promise<Buffer> {
    if (this.#content) return this.#content;
    const pieces: Buffer[] = [];
    for await (const piece of this.range(0, this.size, { pieceSize: READ_PIECE, signal })) {
      pieces.push(piece);
    }
    this.#content = Buffer.concat(pieces, this.size);
    return this.#content;
  }

  /** Bytes [start, end) in pieces freshly allocated for each read (the socket keeps them until sent). */
  async *range(start: number, end: number, options: RangeOptions): AsyncGenerator<Buffer> {
    let position = start;
    while (position < end) {
      options.signal.throwIfAborted();
      const want = Math.min(options.pieceSize, end - position);
      await options.beforePiece?.(want, options.signal);
      const piece = await this.#read(position, want);
      this.#hashFrom(position, piece);
      position += piece.length;
      options.onPiece?.(position);
      yield piece;
    }
  }

  /** Stats the path again: a different size or mtime means the user changed it meanwhile. */
  assertUnchanged(): Promise<void> {
    return assertSameFile(this.path, this.name, this.expected);
  }

  /** Idempotent: a caller done reading early may close before the upload ends. */
  close(): Promise<void> {
    this.#closed ??= this.#handle.close();
    return this.#closed;
  }

  async #read(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    try {
      while (filled < length) {
        const { bytesRead } = await this.#handle.read(
          buffer,
          filled,
          length - filled,
          position + filled,
        );
        if (bytesRead === 0) throw changed(this.name);
        filled += bytesRead;
      }
    } catch (error) {
      throw error instanceof UploadError ? error : unreadable(this.name, error);
    }
    return buffer;
  }

  #hashFrom(position: number, piece: Buffer): void {
    const end = position + piece.length;
    if (end <= this.#hashedUpTo || position > this.#hashedUpTo) return;
    this.#hash.update(piece.subarray(this.#hashedUpTo - position));
    this.#hashedUpTo = end;
  }
}

async function assertSameFile(path: string, name: string, expected: FileIdentity): Promise<void> {
  let now: FileIdentity;
  try {
    now = await stat(path);
  } catch (error) {
    throw unreadable(name, error);
  }
  // Whole milliseconds: the queue may have stored the time with less precision than stat gives.
  const same =
    now.size === expected.size && Math.floor(now.mtimeMs) === Math.floor(expected.mtimeMs);
  if (!same) throw changed(name);
}

function changed(name: string): UploadError {
  return new UploadError(
    'changed',
    `File ${name} changed while it was being uploaded: its final content will be uploaded`,
  );
}

function unreadable(name: string, error: unknown): UploadError {
  const code = (error as { code?: unknown } | null)?.code;
  const message =
    code === 'ENOENT'
      ? `File ${name} was deleted before it finished uploading`
      : `File ${name} cannot be read (${typeof code === 'string' ? code : 'read error'}): check that it exists and DriveUp may read it, then retry`;
  return new UploadError('permanent', message, { cause: error });
}
