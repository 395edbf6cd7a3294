import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import type { FileScope } from './file-scope.ts';
import { changedFile, FileGate, unreadableFile } from './file-gate.ts';
import { UploadError } from './uploader.ts';

export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

/** A file to open: as queued, and where it was found (which links may lead to it). */
export interface LocalFileRequest {
  path: string;
  name: string;
  expected: FileIdentity;
  scope?: FileScope | undefined;
}

/**
 * What was opened, from the handle: a change of any of these means the bytes read may be of
 * another version. ctime is the one a program cannot set back (`touch -r` restores mtime, and
 * changes ctime doing it); ino and dev catch a file replaced by another of the same size and time.
 */
type OpenedIdentity = Pick<Stats, 'dev' | 'ino' | 'ctimeMs'>;

export interface RangeOptions {
  pieceSize: number;
  signal: AbortSignal;
  /** Awaited before each piece is handed on (the bandwidth cap). */
  beforePiece?(bytes: number, signal: AbortSignal): Promise<void>;
  /** The file position reached, as each piece is handed on. */
  onPiece?(position: number): void;
}

const READ_PIECE = 1024 * 1024;
/** Piece buffers kept for reuse: more than the one or two a socket holds at a time. */
const SPARE_PIECES = 4;

/**
 * The local file being uploaded: one open handle, reads at an offset, and the MD5 of everything
 * read so far. Bytes are hashed once, in order, the first time they are read, so a chunk sent
 * again after a reset is not hashed twice and a resumed upload re-hashes only what it skips.
 */
export class LocalFile {
  readonly path: string;
  readonly name: string;
  readonly expected: FileIdentity;
  readonly #opened: OpenedIdentity;
  readonly #handle: FileHandle;
  readonly #hash = createHash('md5');
  #hashedUpTo = 0;
  /** The piece after the last range, read while that range's request waits for its answer. */
  #ahead: { position: number; length: number; piece: Promise<Buffer> } | undefined;
  #content: Buffer | undefined;
  #closed: Promise<void> | undefined;
  /** Pieces given back by release(), whose memory the next reads fill again. */
  readonly #spare: Buffer[] = [];

  private constructor(request: LocalFileRequest, handle: FileHandle, opened: OpenedIdentity) {
    this.path = request.path;
    this.name = request.name;
    this.expected = request.expected;
    this.#handle = handle;
    this.#opened = opened;
  }

  /**
   * Opens the file through the gate (links, special files and DriveUp's own files are refused on
   * the handle) and checks on the handle's fstat that it is still the version queued. The open
   * and fstat are the two thread-pool trips a path stat and open used to be.
   */
  static async open(request: LocalFileRequest, gate = new FileGate()): Promise<LocalFile> {
    const { handle, stats } = await gate.open(request);
    if (!sameVersion(stats, request.expected)) {
      await handle.close().catch(() => {});
      throw changedFile(request.name);
    }
    return new LocalFile(request, handle, {
      dev: stats.dev,
      ino: stats.ino,
      ctimeMs: stats.ctimeMs,
    });
  }

  /**
   * Opens, reads in full (hashing as it goes) and closes: a small file read ahead of its upload.
   * readAll() and md5() then answer from memory; nothing else reads again.
   */
  static async preload(request: LocalFileRequest, gate?: FileGate): Promise<LocalFile> {
    const file = await LocalFile.open(request, gate);
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
    for await (const piece of this.range(this.#hashedUpTo, position, {
      pieceSize: READ_PIECE,
      signal,
    })) {
      // range() hashes as it reads; nothing else to do with the bytes.
      this.release(piece);
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

  /**
   * Bytes [start, end) in pieces, each the caller's until it gives it back with release().
   *
   * Once the last piece is read, the first piece after `end` is read and hashed too: a resumable
   * upload's next chunk cannot start before Drive answers this one, and reading and hashing its
   * first piece then (~1.5 ms a MiB) was a gap in every chunk, ~10% of a large upload's time.
   */
  async *range(start: number, end: number, options: RangeOptions): AsyncGenerator<Buffer> {
    let position = start;
    while (position < end) {
      options.signal.throwIfAborted();
      const want = Math.min(options.pieceSize, end - position);
      await options.beforePiece?.(want, options.signal);
      const piece = await this.#piece(position, want);
      position += piece.length;
      if (position === end && end < this.size) {
        this.#readAhead(end, Math.min(options.pieceSize, this.size - end));
      }
      options.onPiece?.(position);
      yield piece;
    }
  }

  /**
   * Gives back a piece range() yielded, once nothing holds it any more (the socket has sent it):
   * a large upload then reads into a few buffers instead of allocating one per piece.
   */
  release(piece: Buffer): void {
    if (this.#spare.length < SPARE_PIECES && !this.#spare.includes(piece)) this.#spare.push(piece);
  }

  /**
   * Stats the path again, once every byte it stands for is read: another size, mtime, ctime or
   * inode than at the open means the file changed (or was replaced) meanwhile, so the bytes read
   * may mix two versions. One path stat, as before: it also sees a file replaced by rename.
   */
  async assertUnchanged(): Promise<void> {
    let now: Stats;
    try {
      now = await stat(this.path);
    } catch (error) {
      throw unreadableFile(this.name, error);
    }
    const opened = this.#opened;
    const same =
      sameVersion(now, this.expected) &&
      now.ino === opened.ino &&
      now.dev === opened.dev &&
      now.ctimeMs === opened.ctimeMs;
    if (!same) throw changedFile(this.name);
  }

  /** Idempotent: a caller done reading early may close before the upload ends. */
  close(): Promise<void> {
    this.#closed ??= this.#closeHandle();
    return this.#closed;
  }

  async #closeHandle(): Promise<void> {
    await this.#ahead?.piece.catch(() => {});
    this.#ahead = undefined;
    await this.#handle.close();
  }

  /** The piece read ahead when it is the one wanted, else a fresh read; hashed either way. */
  #piece(position: number, length: number): Promise<Buffer> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead?.position === position && ahead.length === length) return ahead.piece;
    return this.#readHashed(position, length);
  }

  #readAhead(position: number, length: number): void {
    const piece = this.#readHashed(position, length);
    // Its failure (the file changed, a read error) is reported by the range that uses it, if any.
    piece.catch(() => {});
    this.#ahead = { position, length, piece };
  }

  async #readHashed(position: number, length: number): Promise<Buffer> {
    const piece = await this.#read(position, length);
    this.#hashFrom(position, piece);
    return piece;
  }

  async #read(position: number, length: number): Promise<Buffer> {
    const buffer = this.#takeSpare(length) ?? Buffer.allocUnsafeSlow(length);
    let filled = 0;
    try {
      while (filled < length) {
        const { bytesRead } = await this.#handle.read(
          buffer,
          filled,
          length - filled,
          position + filled,
        );
        if (bytesRead === 0) throw changedFile(this.name);
        filled += bytesRead;
      }
    } catch (error) {
      throw error instanceof UploadError ? error : unreadableFile(this.name, error);
    }
    return buffer;
  }

  #takeSpare(length: number): Buffer | undefined {
    const i = this.#spare.findIndex((spare) => spare.length === length);
    return i === -1 ? undefined : this.#spare.splice(i, 1)[0];
  }

  #hashFrom(position: number, piece: Buffer): void {
    const end = position + piece.length;
    if (end <= this.#hashedUpTo || position > this.#hashedUpTo) return;
    this.#hash.update(piece.subarray(this.#hashedUpTo - position));
    this.#hashedUpTo = end;
  }
}

/** Whole milliseconds: the queue may have stored the time with less precision than stat gives. */
function sameVersion(now: FileIdentity, expected: FileIdentity): boolean {
  return now.size === expected.size && Math.floor(now.mtimeMs) === Math.floor(expected.mtimeMs);
}
