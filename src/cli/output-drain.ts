import type { Writable } from 'node:stream';
import { EXIT } from './exit-codes.ts';

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

let outputIsACopy = false;

/**
 * For `driveup agent`: what it prints is a copy of its log, and losing it (a full disk under
 * `driveup agent --foreground > agent.log`) must not stop the uploads. Write errors are ignored.
 */
export function keepRunningWithoutOutput(): void {
  outputIsACopy = true;
}

/**
 * A reader that closed its end (EPIPE, `| head`) is not the command's failure: stop writing and
 * keep the exit code. Any other write error, a full disk (ENOSPC) above all, ends the command with
 * one line on stderr and exit code 1, instead of a stack trace: what it printed was cut short.
 */
export function guardOutput(streams: Writable[], { json = false } = {}): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || outputIsACopy) return;
      const message = `DriveUp could not write its output: ${error.message}`;
      if (stream !== process.stderr)
        process.stderr.write(
          json ? `${JSON.stringify({ error: message, exitCode: EXIT.failed })}\n` : `${message}\n`,
        );
      process.exit(EXIT.failed);
    });
  }
}
