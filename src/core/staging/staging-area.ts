import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import formatBytes from 'pretty-bytes';
import { safeFileName } from './safe-file-name.ts';

export type StagingRefusal = 'bad-name' | 'too-large' | 'disk-full' | 'incomplete';

/** A file the staging area would not keep, with the reason for people in the message. */
export class StagingError extends Error {
  readonly reason: StagingRefusal;
  constructor(reason: StagingRefusal, message: string) {
    super(message);
    this.name = 'StagingError';
    this.reason = reason;
  }
}

export interface StagingAreaOptions {
  /** A folder of its own in the data directory, e.g. `<dataDir>/staging`; made 0700. */
  dir: string;
  /** Largest file accepted; Drive's own limit (5 TB) by default. */
  maxFileBytes?: number;
  /** Free space always left on the disk (the database and the log need room too). */
  reserveBytes?: number;
}

export interface StageOptions {
  /** The size announced by the sender (Content-Length): checked against free space before writing, and against what arrived. */
  expectedBytes?: number;
}

const DRIVE_MAX_FILE_BYTES = 5 * 1000 ** 4;
const ENTRY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where files that arrive as bytes (a browser's upload has no path on this machine) wait for the
 * queue. Each file gets a folder of its own named by a random id, so it keeps its own name (which
 * becomes its name in Drive) and two files of the same name never meet.
 *
 * The owner of the queue calls `release(path)` once the file's job has finished, and `sweep()` at
 * start, keeping what queued jobs still point at.
 */
export class StagingArea {
  readonly dir: string;
  readonly #maxFileBytes: number;
  readonly #reserveBytes: number;

  constructor(options: StagingAreaOptions) {
    this.dir = resolve(options.dir);
    this.#maxFileBytes = options.maxFileBytes ?? DRIVE_MAX_FILE_BYTES;
    this.#reserveBytes = options.reserveBytes ?? 64 * 1024 * 1024;
  }

  /** Writes `source` to a new staged file named after `name`; resolves with its path once it is on disk. */
  async stage(
    source: Readable | AsyncIterable<Uint8Array>,
    name: string,
    options: StageOptions = {},
  ): Promise<string> {
    // The sender may fail while the folder is made, before `pipeline` listens: without a
    // listener that error would be thrown at the process. `pipeline` still sees it (stream.errored).
    if ('on' in source) source.on('error', () => undefined);
    const safeName = safeFileName(name);
    if (!safeName) {
      throw new StagingError('bad-name', `"${name.slice(0, 100)}" cannot be used as a file name.`);
    }
    if (options.expectedBytes !== undefined) this.#checkSize(options.expectedBytes);
    await this.#ensureDir();
    if (options.expectedBytes !== undefined) await this.#checkFreeSpace(options.expectedBytes);

    const entry = join(this.dir, randomUUID());
    await mkdir(entry, { mode: 0o700 });
    const path = join(entry, safeName);
    let written = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        written += chunk.length;
        if (written > this.#maxFileBytes) done(this.#tooLarge());
        else done(null, chunk);
      },
    });
    try {
      // `flush` fsyncs before close: the job that will point at this file must find it whole.
      await pipeline(
        source,
        counter,
        createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true }),
      );
      if (options.expectedBytes !== undefined && written !== options.expectedBytes) {
        throw new StagingError(
          'incomplete',
          `Only ${written} of ${options.expectedBytes} bytes of ${safeName} arrived; send it again.`,
        );
      }
      return path;
    } catch (error) {
      await rm(entry, { recursive: true, force: true });
      throw asStagingError(error);
    }
  }

  /** Whether `path` is a file this staging area handed out (its folder is one of ours). */
  holds(path: string): boolean {
    const entry = dirname(resolve(path));
    return dirname(entry) === this.dir && ENTRY.test(basename(entry));
  }

  /** Deletes a staged file (and its folder). Refuses any path the staging area did not hand out. */
  async release(path: string): Promise<void> {
    if (!this.holds(path)) throw new Error(`${path} is not a staged file.`);
    await rm(dirname(resolve(path)), { recursive: true, force: true });
  }

  /**
   * Removes what an earlier run left behind: every staged file except those `keep` says are still
   * needed (files queued but not yet uploaded). Returns how many files were removed.
   */
  async sweep(keep: (path: string) => boolean = () => false): Promise<number> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    let removed = 0;
    for (const entry of entries) {
      if (!entry.isDirectory() || !ENTRY.test(entry.name)) continue;
      const folder = join(this.dir, entry.name);
      const files = await readdir(folder);
      if (files.some((file) => keep(join(folder, file)))) continue;
      await rm(folder, { recursive: true, force: true });
      removed += files.length;
    }
    return removed;
  }

  #checkSize(bytes: number): void {
    if (bytes > this.#maxFileBytes) throw this.#tooLarge();
  }

  #tooLarge(): StagingError {
    return new StagingError(
      'too-large',
      `The file is larger than the ${formatBytes(this.#maxFileBytes)} DriveUp accepts from a browser.`,
    );
  }

  async #checkFreeSpace(bytes: number): Promise<void> {
    const fs = await statfs(this.dir);
    const free = fs.bavail * fs.bsize;
    if (bytes + this.#reserveBytes > free) {
      throw new StagingError(
        'disk-full',
        `Not enough free disk space on this machine for ${formatBytes(bytes)} (${formatBytes(free)} free in ${this.dir}). Free some space and try again.`,
      );
    }
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }
}

function asStagingError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StagingError(
      'disk-full',
      'The disk filled up while the file arrived. Free some space and try again.',
    );
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
    return new StagingError('incomplete', 'The file did not arrive completely; send it again.');
  }
  return error;
}
