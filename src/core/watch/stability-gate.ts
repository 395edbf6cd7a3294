export interface FileVersion {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface StabilityGateOptions {
  windowMs: number;
  /** The file's current size and time, or null when it is gone. */
  stat: (path: string) => Promise<Omit<FileVersion, 'path'> | null>;
  onSettled: (files: FileVersion[]) => void;
  onGone: (paths: string[]) => void;
  now?: () => number;
  /** False leaves calling `check()` to the caller (tests with a fake clock). */
  autoTick?: boolean;
}

interface Pending {
  size: number;
  mtimeMs: number;
  due: number;
}

const STAT_BATCH = 64;

/**
 * Holds files until their size and modification time have stayed the same for the window. There
 * is no give-up: a file written for an hour passes an hour later. Entries are kept in the order
 * they fall due (every reset re-inserts at the end, and the window is one per gate), so one
 * timer for the first entry serves the whole gate however many files wait.
 */
export class StabilityGate {
  readonly #options: StabilityGateOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #stopped = false;
  #emptyWaiters: Array<() => void> = [];

  constructor(options: StabilityGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#pending.size;
  }

  has(path: string): boolean {
    return this.#pending.has(path);
  }

  /** A sighting of the file: a change restarts its window, the same version leaves it running. */
  observe(file: FileVersion): void {
    const current = this.#pending.get(file.path);
    if (current && current.size === file.size && current.mtimeMs === file.mtimeMs) return;
    this.#pending.delete(file.path);
    const due = this.#now() + this.#options.windowMs;
    this.#pending.set(file.path, { size: file.size, mtimeMs: file.mtimeMs, due });
    // Later entries never fall due before the first, so a running timer already covers this one.
    if (!this.#timer) this.#schedule();
  }

  forget(path: string): void {
    this.#pending.delete(path);
    this.#notifyIfEmpty();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#pending.clear();
    this.#notifyIfEmpty();
  }

  /** Resolves once no file waits in the gate. */
  whenEmpty(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  #notifyIfEmpty(): void {
    if (this.#pending.size > 0) return;
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }

  /** Looks again at every file whose window has passed. */
  async check(): Promise<void> {
    if (this.#checking || this.#stopped) return;
    this.#checking = true;
    try {
      const due = this.#takeDue();
      const settled: FileVersion[] = [];
      const gone: string[] = [];
      for (let i = 0; i < due.length; i += STAT_BATCH) {
        await this.#recheck(due.slice(i, i + STAT_BATCH), settled, gone);
        if (this.#stopped) return;
      }
      // One hand-over per check: each costs the queue and the journal a transaction.
      if (gone.length) this.#options.onGone(gone);
      if (settled.length) this.#options.onSettled(settled);
    } finally {
      this.#checking = false;
      this.#schedule();
      this.#notifyIfEmpty();
    }
  }

  #takeDue(): Array<[string, Pending]> {
    const now = this.#now();
    const due: Array<[string, Pending]> = [];
    for (const entry of this.#pending) {
      if (entry[1].due > now) break;
      due.push(entry);
    }
    return due;
  }

  async #recheck(
    batch: Array<[string, Pending]>,
    settled: FileVersion[],
    gone: string[],
  ): Promise<void> {
    const stats = await Promise.all(batch.map(([path]) => this.#options.stat(path)));
    if (this.#stopped) return;
    batch.forEach(([path, before], index) => {
      // Seen again while we were looking: its new window is already running.
      if (this.#pending.get(path) !== before) return;
      const now = stats[index];
      this.#pending.delete(path);
      if (!now) gone.push(path);
      else if (now.size === before.size && now.mtimeMs === before.mtimeMs) {
        settled.push({ path, ...now });
      } else this.observe({ path, ...now });
    });
  }

  #schedule(): void {
    if (this.#stopped || this.#checking || this.#options.autoTick === false) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const first = this.#pending.values().next();
    if (first.done) return;
    const delay = Math.max(0, first.value.due - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check();
    }, delay);
  }
}
