export interface FileVersion {
  path: string;
  size: number;
  mtimeMs: number;
}

type Version = Omit<FileVersion, 'path'>;

export interface StabilityGateOptions {
  windowMs: number;
  /** The file's current size and time, or null when it is gone. */
  stat: (path: string) => Version | null | Promise<Version | null>;
  onSettled: (files: FileVersion[]) => void;
  onGone: (paths: string[]) => void;
  now?: () => number;
  /** False leaves calling `check()` to the caller (tests with a fake clock). */
  autoTick?: boolean;
}

interface Pending {
  path: string;
  size: number;
  mtimeMs: number;
  due: number;
}

/**
 * Files looked at again, and those settled handed over, between two turns of the event loop. A
 * look is one stat of a few microseconds; the hand-over costs the queue and the journal a
 * transaction each, some tens of microseconds a file. Under a burst every turn is a long one
 * (uploads commit in it too): a check that yielded every 256 looks took four turns per thousand
 * files, fell behind the files falling due, and grew into checks of thousands taking seconds.
 */
const SLICE = 1024;
/**
 * Checks follow each other this far apart at least, so that a burst is handed over ten times a
 * second instead of file by file: each hand-over costs the queue a commit that waits for the disk.
 */
const CHECK_SPACING_MS = 100;
/**
 * The most of the window a file's own modification time may stand in for (see `observe`), at
 * most half the window. Above the OS's delay in reporting a change (@parcel/watcher batches
 * events for up to 500 ms) plus a busy event loop's.
 */
const MAX_CREDIT_MS = 1000;
/** File times come from the kernel's coarse clock, up to a tick behind Date.now(). */
const COARSE_CLOCK_MS = 10;

/**
 * Holds files until their size and modification time have stayed the same for the window. There
 * is no give-up: a file written for an hour passes an hour later. One timer, for the entry that
 * falls due first, serves the whole gate however many files wait.
 */
export class StabilityGate {
  readonly #options: StabilityGateOptions;
  readonly #now: () => number;
  readonly #maxCredit: number;
  readonly #pending = new Map<string, Pending>();
  /** The pending entries by due time; an entry replaced or forgotten since is skipped. */
  readonly #queue = new DueQueue();
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;
  #checking = false;
  #lastCheckAt = -Infinity;
  #stopped = false;
  #emptyWaiters: Array<() => void> = [];

  constructor(options: StabilityGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxCredit = Math.min(MAX_CREDIT_MS, options.windowMs / 2);
  }

  get size(): number {
    return this.#pending.size;
  }

  has(path: string): boolean {
    return this.#pending.has(path);
  }

  /**
   * A sighting of the file: a change restarts its window, the same version leaves it running.
   *
   * The window counts from the file's own modification time, so the OS's delay in reporting a
   * change (and a busy event loop's) does not add to it: a file written at T is looked at again at
   * T + window, and passes if it still has that time and size. Since a network share's clock may
   * disagree with ours, that credit is capped: the gate itself always sees a file unchanged for
   * at least half the window (the whole window less a second, for windows above two seconds).
   */
  observe(file: FileVersion): void {
    const current = this.#pending.get(file.path);
    if (current && current.size === file.size && current.mtimeMs === file.mtimeMs) return;
    const now = this.#now();
    const credit = Math.min(this.#maxCredit, Math.max(0, now - file.mtimeMs - COARSE_CLOCK_MS));
    const entry = { ...file, due: now + this.#options.windowMs - credit };
    this.#pending.set(file.path, entry);
    this.#queue.push(entry);
    if (entry.due < this.#timerDue) this.#schedule();
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

  /** Looks again at every file whose window has passed, handing those settled over slice by slice. */
  async check(): Promise<void> {
    if (this.#checking || this.#stopped) return;
    this.#checking = true;
    this.#lastCheckAt = this.#now();
    try {
      const due = this.#takeDue();
      const gone: string[] = [];
      for (let i = 0; i < due.length; i += SLICE) {
        if (i > 0) await yieldToEventLoop();
        if (this.#stopped) return;
        const settled: FileVersion[] = [];
        await this.#recheck(due.slice(i, i + SLICE), settled, gone);
        if (this.#stopped) return;
        if (settled.length) this.#options.onSettled(settled);
      }
      if (gone.length) this.#options.onGone(gone);
    } finally {
      this.#checking = false;
      this.#schedule();
      this.#notifyIfEmpty();
    }
  }

  #takeDue(): Pending[] {
    const now = this.#now();
    const due: Pending[] = [];
    for (let next = this.#first(); next && next.due <= now; next = this.#first()) {
      due.push(this.#queue.pop()!);
    }
    return due;
  }

  /** The entry that falls due first, once entries replaced or forgotten meanwhile are dropped. */
  #first(): Pending | undefined {
    for (let next = this.#queue.peek(); next; next = this.#queue.peek()) {
      if (this.#pending.get(next.path) === next) return next;
      this.#queue.pop();
    }
    return undefined;
  }

  async #recheck(batch: Pending[], settled: FileVersion[], gone: string[]): Promise<void> {
    const looks = batch.map(({ path }) => this.#options.stat(path));
    const stats = looks.some((look) => look instanceof Promise) ? await Promise.all(looks) : looks;
    if (this.#stopped) return;
    batch.forEach((before, index) => {
      const { path } = before;
      // Seen again while we were looking: its new window is already running.
      if (this.#pending.get(path) !== before) return;
      const now = stats[index] as Version | null;
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
    this.#timerDue = Infinity;
    const first = this.#first();
    if (!first) return;
    this.#timerDue = Math.max(first.due, this.#lastCheckAt + CHECK_SPACING_MS);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerDue = Infinity;
        void this.check();
      },
      Math.max(0, this.#timerDue - this.#now()),
    );
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A binary min-heap of pending entries by due time. Written here because it is twenty lines and
 * the gate needs nothing else of a priority-queue library: due times are no longer in the order
 * files were seen once the window counts from each file's own time.
 */
class DueQueue {
  readonly #heap: Pending[] = [];

  peek(): Pending | undefined {
    return this.#heap[0];
  }

  push(entry: Pending): void {
    const heap = this.#heap;
    let index = heap.push(entry) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.due <= entry.due) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  pop(): Pending | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (!heap.length || !last) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const child =
        left + 1 < heap.length && heap[left + 1]!.due < heap[left]!.due ? left + 1 : left;
      if (heap[child]!.due >= last.due) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
