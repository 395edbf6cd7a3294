import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./queue-child.ts', import.meta.url));
const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));

export interface ChildLine {
  point: string;
  name?: string;
  hold?: boolean;
  [key: string]: unknown;
}

/** queue-child.ts running in its own Node 24 process; lines are read as they come. */
export class ChildQueue {
  readonly #child: ChildProcess;
  readonly lines: ChildLine[] = [];
  readonly #waiters: Array<{ match: (l: ChildLine) => boolean; resolve: (l: ChildLine) => void }> =
    [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(env: Record<string, string>) {
    this.#child = spawn(NODE, [SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout! }).on('line', (text) => this.#line(text));
    this.exited = new Promise((resolve) => this.#child.on('exit', (code) => resolve(code)));
  }

  /** The first line, seen or to come, that matches; rejects if the process ends first. */
  async waitFor(match: (line: ChildLine) => boolean): Promise<ChildLine> {
    const seen = this.lines.find(match);
    if (seen) return seen;
    const line = new Promise<ChildLine>((resolve) => this.#waiters.push({ match, resolve }));
    const ended = this.exited.then((code) => {
      throw new Error(`queue child exited (${code}) first: ${this.stderr}`);
    });
    return Promise.race([line, ended]);
  }

  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  #line(text: string): void {
    const line = JSON.parse(text) as ChildLine;
    this.lines.push(line);
    for (const waiter of this.#waiters.filter((w) => w.match(line))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}
