import type { Writable } from 'node:stream';

/**
 * Resolves once everything written to `stream` so far has left the process. Node writes to a
 * pipe asynchronously: whatever does not fit the pipe's buffer (64 KiB on Linux) waits in memory,
 * and `process.exit()` drops it, which cut `driveup queue --json | cat` at 131,072 bytes. A reader
 * that went away (`| head`) ends the wait instead of crashing the command with EPIPE.
 */
export function drained(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('error', done);
      resolve();
    };
    stream.once('error', done);
    // Writes complete in order, so this empty one completes after every earlier one.
    stream.write('', done);
  });
}

/** A reader that closed its end is not the command's failure: stop writing, keep the exit code. */
export function ignoreClosedReaders(...streams: Writable[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
