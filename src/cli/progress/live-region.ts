const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
/** Auto-wrap on: never turned off here, but a crashed program before us may have left it off. */
const WRAP_ON = '\x1b[?7h';
const CLEAR_TO_END = '\x1b[J';

/**
 * A few lines at the bottom of a terminal, redrawn in place: the thin writer under
 * `renderProgress`. Lines must fit the width (the renderer cuts them), so the number of rows to
 * go back up is the number of lines drawn. Text printed "above" (a finished file's line) scrolls
 * away normally, and the region is drawn again below it.
 */
export class LiveRegion {
  readonly #out: NodeJS.WriteStream;
  #lines: string[] = [];
  #open = true;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    out.write(HIDE_CURSOR);
  }

  get size(): { columns: number; rows: number } {
    return { columns: this.#out.columns || 80, rows: this.#out.rows || 24 };
  }

  draw(lines: string[]): void {
    if (!this.#open) return;
    this.#out.write(this.#erase() + lines.map((line) => `${line}\n`).join(''));
    this.#lines = lines;
  }

  /** Writes `text` to `stream` (stdout, which may be this same terminal) above the region. */
  printAbove(stream: NodeJS.WriteStream, text: string): void {
    if (!this.#open || !stream.isTTY) {
      stream.write(text);
      return;
    }
    this.#out.write(this.#erase());
    stream.write(text);
    this.#out.write(this.#lines.map((line) => `${line}\n`).join(''));
  }

  /** Removes the region and gives the terminal back as it was: cursor shown, wrap on. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#out.write(`${this.#erase()}${SHOW_CURSOR}${WRAP_ON}`);
    this.#lines = [];
  }

  #erase(): string {
    // Cursor to the start of the region's first line, then clear to the end of the screen.
    return this.#lines.length ? `\x1b[${this.#lines.length}F${CLEAR_TO_END}` : `\r${CLEAR_TO_END}`;
  }
}
