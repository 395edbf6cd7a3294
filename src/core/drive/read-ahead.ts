import type { FileGate } from './file-gate.ts';
import { LocalFile } from './local-file.ts';
import type { ReadAheadHint } from './uploader.ts';

export interface ReadAheadOptions {
  /** Files held at most; the oldest hint is dropped first. */
  maxFiles: number;
  /** Only files up to this size are read ahead. */
  maxFileBytes: number;
  /** How files are opened (the uploader's, so the same links and files are refused). */
  gate?: FileGate;
}

/**
 * Small files read before their job is claimed, as rclone's checkers prepare files while its
 * transfers are busy. A burst of small files is latency-bound: with a file's open, stat and read
 * (threadpool round trips behind a busy event loop) done before its slot frees, the slot's next
 * request leaves at once. Memory is bounded by maxFiles × maxFileBytes.
 *
 * A file read ahead is what the job stands for only if it is still unchanged when uploaded: the
 * uploader stats it again while the request is out, as it does for a file read on the spot.
 */
export class ReadAhead {
  readonly #options: ReadAheadOptions;
  readonly #files = new Map<
    string,
    { hint: ReadAheadHint; file: Promise<LocalFile | undefined> }
  >();

  constructor(options: ReadAheadOptions) {
    this.#options = options;
  }

  /** Starts reading the file if it is small enough; resolves once it is read (or could not be). */
  async hint(hint: ReadAheadHint): Promise<void> {
    if (hint.expected.size > this.#options.maxFileBytes) return;
    const held = this.#files.get(hint.jobId);
    if (held) return void (await held.file);
    // A file that cannot be read now is opened again by its upload, which reports why.
    const file = LocalFile.preload(hint, this.#options.gate).catch(() => undefined);
    this.#files.set(hint.jobId, { hint, file });
    for (const jobId of this.#files.keys()) {
      if (this.#files.size <= this.#options.maxFiles) break;
      this.#files.delete(jobId);
    }
    await file;
  }

  /** The job's file read ahead, if it was and is still the version queued. */
  async take(request: ReadAheadHint): Promise<LocalFile | undefined> {
    const entry = this.#files.get(request.jobId);
    if (!entry) return undefined;
    this.#files.delete(request.jobId);
    const { hint } = entry;
    const same =
      hint.path === request.path &&
      hint.expected.size === request.expected.size &&
      hint.expected.mtimeMs === request.expected.mtimeMs &&
      hint.scope?.foundIn === request.scope?.foundIn &&
      hint.scope?.followLinks === request.scope?.followLinks;
    return same ? entry.file : undefined;
  }
}
