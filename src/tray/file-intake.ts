import type { Clock } from '../core/queue/clock.ts';

export interface FileIntakeOptions {
  clock: Clock;
  /** Queues the files to the default folder. */
  send: (paths: string[]) => Promise<void>;
  /** The agent refused them (a file vanished, no permission): say so, with its words. */
  onRefused: (message: string, paths: string[]) => void;
  /** Files arriving within this time go as one request (macOS sends one `open-file` per file). */
  gatherMs?: number;
}

/**
 * Files handed to DriveUp from outside a window (a drop on the tray, "Open with", a second
 * launch), kept until an agent can take them, then queued together. Nothing is dropped while the
 * agent starts or restarts.
 */
export class FileIntake {
  readonly #options: FileIntakeOptions;
  #pending: string[] = [];
  #ready = false;
  #timer: unknown;

  constructor(options: FileIntakeOptions) {
    this.#options = options;
  }

  add(paths: readonly string[]): void {
    if (paths.length === 0) return;
    this.#pending.push(...paths);
    this.#schedule();
  }

  /** Whether an agent is there to take files; pending files go once it is. */
  setReady(ready: boolean): void {
    this.#ready = ready;
    if (ready) this.#schedule();
  }

  #schedule(): void {
    if (!this.#ready || this.#timer !== undefined || this.#pending.length === 0) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#options.gatherMs ?? 50);
  }

  async #flush(): Promise<void> {
    const paths = [...new Set(this.#pending.splice(0))];
    if (paths.length === 0) return;
    try {
      await this.#options.send(paths);
    } catch (error) {
      // The agent went away meanwhile: keep the files for the next one.
      if (!this.#ready) this.#pending.unshift(...paths);
      else this.#options.onRefused((error as Error).message, paths);
    }
  }
}
