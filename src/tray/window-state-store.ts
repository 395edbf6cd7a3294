import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

const boundsSchema = z.object({
  x: z.int().min(-100_000).max(100_000).optional(),
  y: z.int().min(-100_000).max(100_000).optional(),
  width: z.int().min(100).max(20_000),
  height: z.int().min(100).max(20_000),
});
const fileSchema = z.record(z.string().max(50), boundsSchema);

/**
 * Where each kind of window was and how big, in `windows.json` in the data directory. A damaged
 * or hand-edited file costs only the remembered places (every entry is checked), never a window.
 */
export class WindowStateStore {
  readonly #file: string;
  #state: Record<string, WindowBounds> = {};
  #writing: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch {
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    if (!raw || typeof raw !== 'object') return;
    for (const [kind, value] of Object.entries(raw)) {
      const bounds = boundsSchema.safeParse(value);
      if (bounds.success) this.#state[kind] = bounds.data;
    }
  }

  get(kind: string): WindowBounds | undefined {
    return this.#state[kind];
  }

  /** Resolves once every write asked for so far is done. */
  idle(): Promise<void> {
    return this.#writing;
  }

  /** Remembers and writes (atomically; writes follow one another). */
  remember(kind: string, bounds: WindowBounds): Promise<void> {
    const checked = boundsSchema.safeParse({
      ...bounds,
      x: bounds.x === undefined ? undefined : Math.round(bounds.x),
      y: bounds.y === undefined ? undefined : Math.round(bounds.y),
      width: Math.round(bounds.width),
      height: Math.round(bounds.height),
    });
    if (!checked.success) return this.#writing;
    this.#state[kind] = checked.data;
    const snapshot = fileSchema.parse(this.#state);
    this.#writing = this.#writing
      .then(() => writeFileAtomic(this.#file, `${JSON.stringify(snapshot, null, 2)}\n`))
      .catch(() => undefined); // a place not remembered is not worth an error
    return this.#writing;
  }
}
