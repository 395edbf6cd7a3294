import { createHash } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  UploadError,
  type ReadAheadHint,
  type Uploader,
  type UploadRequest,
  type UploadResult,
} from '../../../src/core/drive/uploader.ts';
import type { FailureKind } from '../../../src/core/drive/uploader.ts';

export type Behaviour = (request: UploadRequest) => Promise<UploadResult>;

/**
 * The queue's Uploader port, driven by the test: by default it copies the file into a real
 * directory standing in for Drive; scripted behaviours fail, block or stall single attempts.
 */
export class TestUploader implements Uploader {
  readonly requests: UploadRequest[] = [];
  /** Jobs the queue named as next in line, in order. */
  readonly hints: ReadAheadHint[] = [];
  /** Job id → how many times its content was stored. */
  readonly stored = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  readonly #driveDir: string;
  readonly #script: Behaviour[] = [];
  readonly #inFlightWaiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(driveDir: string) {
    this.#driveDir = driveDir;
  }

  /** The next attempts behave like these, one each, in order; later ones store the file. */
  script(...behaviours: Behaviour[]): void {
    this.#script.push(...behaviours);
  }

  /** Resolves once `n` uploads are in flight at the same moment. */
  whenInFlight(n: number): Promise<void> {
    if (this.inFlight >= n) return Promise.resolve();
    return new Promise((resolve) => this.#inFlightWaiters.push({ n, resolve }));
  }

  async readAhead(hint: ReadAheadHint): Promise<void> {
    this.hints.push(hint);
  }

  async upload(request: UploadRequest): Promise<UploadResult> {
    this.requests.push(request);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    for (const waiter of this.#inFlightWaiters.filter((w) => this.inFlight >= w.n)) {
      this.#inFlightWaiters.splice(this.#inFlightWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    try {
      return await (this.#script.shift() ?? this.store)(request);
    } finally {
      this.inFlight--;
    }
  }

  readonly store: Behaviour = async (request) => {
    request.signal.throwIfAborted();
    const bytes = await readFile(request.path);
    await copyFile(request.path, join(this.#driveDir, `${request.jobId}-${request.name}`));
    request.onConfirmed(bytes.length);
    this.stored.set(request.jobId, (this.stored.get(request.jobId) ?? 0) + 1);
    return {
      fileId: `file-${request.jobId}`,
      webViewLink: `https://drive.test/file-${request.jobId}`,
      md5: createHash('md5').update(bytes).digest('hex'),
      size: bytes.length,
      skipped: false,
    };
  };
}

export function failWith(kind: FailureKind, message: string, retryAfterMs?: number): Behaviour {
  return async () => {
    throw new UploadError(kind, message, retryAfterMs === undefined ? {} : { retryAfterMs });
  };
}

export interface Gate {
  open(): void;
  readonly opened: Promise<void>;
}

export function gate(): Gate {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { open: () => resolve(), opened: promise };
}

/** Holds the attempt until `gate` opens (then runs `then`), or until the queue aborts it. */
export function blockUntil(g: Gate, then: Behaviour): Behaviour {
  return async (request) => {
    await Promise.race([
      g.opened,
      new Promise<never>((_, reject) => {
        if (request.signal.aborted) reject(request.signal.reason);
        request.signal.addEventListener('abort', () => reject(request.signal.reason));
      }),
    ]);
    return then(request);
  };
}

/** Opens a session and confirms `bytes`, then holds like `blockUntil` until aborted. */
export function stallAfter(sessionUri: string, bytes: number, reached: Gate): Behaviour {
  return async (request) => {
    if (!request.resume) request.onSession(sessionUri);
    request.onConfirmed(bytes);
    reached.open();
    return blockUntil(gate(), async () => {
      throw new Error('never opened');
    })(request);
  };
}
