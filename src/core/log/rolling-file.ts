import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';

type Destination = ReturnType<typeof pino.destination>;

export interface RollingFileOptions {
  dir: string;
  /** Files are `<base>.<n>.log`, the newest with the highest n. */
  base: string;
  maxBytes: number;
  /** Old files kept besides the current one. */
  keep: number;
  now?: () => number;
}

/** A symbolic link (or anything but a regular file) where DriveUp was about to write its log. */
export class LogFileError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'LogFileError';
    this.path = path;
  }
}

/**
 * Opened write-only, appending, created 0600, never through a symbolic link (O_NOFOLLOW) and never
 * blocking on a FIFO (O_NONBLOCK): a link planted in the log folder must not make the agent
 * append to the file it points to.
 */
const OPEN_FLAGS =
  constants.O_WRONLY |
  constants.O_APPEND |
  constants.O_CREAT |
  (constants.O_NOFOLLOW ?? 0) |
  (constants.O_NONBLOCK ?? 0);

/**
 * The log destination: numbered files rotated by size and at midnight, `current.log` pointing at
 * the newest, a few old ones kept. Hand-written instead of pino-roll (which this replaces, with
 * the same file names) because pino-roll opens through sonic-boom by path with the flag string
 * 'a', which follows symbolic links, and neither lets a caller add O_NOFOLLOW; here every file is
 * opened by us and sonic-boom writes to the descriptor.
 */
export class RollingFile {
  readonly #o: RollingFileOptions;
  readonly #now: () => number;
  #number: number;
  #boom: Destination;
  #bytes: number;
  #rollAt: number;
  #closed: Promise<void> | undefined;
  readonly #errorListeners = new Set<(error: Error) => void>();

  constructor(options: RollingFileOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const last = this.#numbers().at(-1);
    this.#number = last ?? 1;
    let opened = this.#open();
    if (opened.bytes >= options.maxBytes || opened.mtimeMs < startOfDay(this.#now())) {
      closeSync(opened.fd);
      this.#number++;
      opened = this.#open();
    }
    this.#bytes = opened.bytes;
    this.#boom = this.#destination(opened.fd);
    this.#rollAt = nextMidnight(this.#now());
    this.#pointCurrentAtNewest();
  }

  /**
   * A write or a rotation that failed (ENOSPC, a link planted where the next file goes). Without
   * a listener the failure would be an uncaught 'error' that kills the agent; the line is lost,
   * the log goes on.
   */
  onError(listener: (error: Error) => void): void {
    this.#errorListeners.add(listener);
  }

  get file(): string {
    return this.#path(this.#number);
  }

  /** pino calls this once per line. */
  write(line: string): boolean {
    if (this.#closed) return false;
    const bytes = Buffer.byteLength(line);
    if (
      this.#bytes > 0 &&
      (this.#bytes + bytes > this.#o.maxBytes || this.#now() >= this.#rollAt)
    ) {
      try {
        this.#roll();
      } catch (error) {
        // Keep writing to the current file; the next line tries the rotation again.
        this.#reportError(error as Error);
      }
    }
    this.#bytes += bytes;
    return this.#boom.write(line);
  }

  /** Flushes and closes; idempotent. */
  close(): Promise<void> {
    this.#closed ??= endBoom(this.#boom);
    return this.#closed;
  }

  #roll(): void {
    this.#number++;
    const opened = this.#open();
    // Lines already handed to the old file are written to it before it closes.
    void endBoom(this.#boom);
    this.#boom = this.#destination(opened.fd);
    this.#bytes = opened.bytes;
    this.#rollAt = nextMidnight(this.#now());
    this.#pointCurrentAtNewest();
    this.#removeOld();
  }

  #destination(fd: number): Destination {
    const boom = pino.destination({ fd });
    boom.on('error', (error: Error) => this.#reportError(error));
    return boom;
  }

  #reportError(error: Error): void {
    for (const listener of this.#errorListeners) listener(error);
  }

  #open(): { fd: number; bytes: number; mtimeMs: number } {
    const path = this.#path(this.#number);
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EMLINK') {
        throw new LogFileError(
          path,
          `${path} is a symbolic link; DriveUp does not write its log through links`,
        );
      }
      throw error;
    }
    const found = fstatSync(fd);
    if (!found.isFile()) {
      closeSync(fd);
      throw new LogFileError(
        path,
        `${path} is not a regular file; DriveUp writes its log only to one`,
      );
    }
    return { fd, bytes: found.size, mtimeMs: found.mtimeMs };
  }

  #pointCurrentAtNewest(): void {
    const link = join(this.#o.dir, 'current.log');
    try {
      unlinkSync(link);
    } catch {
      /* not there yet */
    }
    try {
      symlinkSync(`${this.#o.base}.${this.#number}.log`, link);
    } catch {
      // Only a convenience for people reading the logs; the log itself is written either way.
    }
  }

  #removeOld(): void {
    for (const number of this.#numbers()) {
      if (number >= this.#number - this.#o.keep) break;
      try {
        unlinkSync(this.#path(number)); // removes the name, never what a link points to
      } catch {
        /* already gone */
      }
    }
  }

  /** Numbers of the existing log files, ascending. */
  #numbers(): number[] {
    const pattern = new RegExp(`^${escapeRegExp(this.#o.base)}\\.(\\d+)\\.log$`);
    let names: string[];
    try {
      names = readdirSync(this.#o.dir);
    } catch {
      return [];
    }
    return names
      .map((name) => pattern.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  #path(number: number): string {
    return join(this.#o.dir, `${this.#o.base}.${number}.log`);
  }
}

/** Writes what is buffered, in order, then closes (flushSync could overtake a write under way). */
function endBoom(boom: Destination): Promise<void> {
  return new Promise((resolve) => {
    boom.once('close', () => resolve());
    boom.end();
  });
}

function startOfDay(ms: number): number {
  const day = new Date(ms);
  return new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime();
}

function nextMidnight(ms: number): number {
  const day = new Date(ms);
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1).getTime();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
