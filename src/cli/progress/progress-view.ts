import { fstatSync } from 'node:fs';
import { escapeControl } from '../terminal-text.ts';
import { LiveRegion } from './live-region.ts';
import { finishedLine, renderProgress } from './render-progress.ts';
import type { FileProgress, UploadProgress } from './upload-progress.ts';

export interface ProgressView {
  /** Files that just finished: one line each. */
  finished(files: readonly FileProgress[]): void;
  /** The queue paused (a reason) or resumed (null). */
  paused(reason: string | null): void;
  /** Stops drawing and gives the terminal back. */
  close(): void;
}

const REDRAW_MS = 200;

/**
 * How an `add --wait` shows itself. At a terminal (stderr): live lines redrawn five times a
 * second, finished files' lines printed above them. Piped (stderr, or stdout into another
 * program): one plain line per finished file and a line when the queue pauses or resumes. With `--json`: nothing until the answer.
 */
export function createProgressView(
  progress: UploadProgress,
  options: { json: boolean; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): ProgressView {
  const { stdout, stderr } = options;
  if (options.json) return { finished: () => undefined, paused: () => undefined, close: () => {} };
  const lines = (files: readonly FileProgress[]) =>
    files.map((f) => `${finishedLine(f)}\n`).join('');
  if (!stderr.isTTY || pipedOn(stdout)) {
    return {
      finished: (files) => {
        if (files.length) stdout.write(lines(files));
      },
      paused: (reason) =>
        void stderr.write(reason ? `Paused: ${escapeControl(reason)}\n` : 'Uploads resumed.\n'),
      close: () => undefined,
    };
  }
  const region = new LiveRegion(stderr);
  const draw = () => {
    const now = Date.now();
    region.draw(renderProgress(progress.snapshot(now), region.size, now));
  };
  draw();
  const timer = setInterval(draw, REDRAW_MS);
  const onResize = () => draw();
  stderr.on('resize', onResize);
  return {
    finished: (files) => {
      if (files.length) region.printAbove(stdout, lines(files));
    },
    paused: () => draw(),
    close: () => {
      clearInterval(timer);
      stderr.off('resize', onResize);
      region.close();
    },
  };
}

/**
 * Whether stdout goes into a pipe: what reads it (`| cat`, `| tee log`) may write to this same
 * terminal whenever it likes, under a live region that then erases its lines and is redrawn in the
 * wrong place. Into a file or the terminal itself, the region is safe.
 */
function pipedOn(stdout: NodeJS.WriteStream): boolean {
  const fd = (stdout as { fd?: number }).fd;
  if (stdout.isTTY || fd === undefined) return false;
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}
