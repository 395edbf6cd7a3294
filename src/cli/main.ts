import { drained, guardOutput } from './output-drain.ts';
import { runCli } from './program.ts';

/**
 * Runs the command line as a process: exits with the command's code once stdout and stderr
 * have drained. The explicit exit is needed because an event subscription or a socket may still
 * hold the event loop open after the answer has been printed.
 */
export async function main(argv: string[]): Promise<never> {
  guardOutput([process.stdout, process.stderr], { json: argv.includes('--json') });
  const code = await runCli(argv, process.env, { unhandledRejections: collectUnhandled() });
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/** Rejections nobody awaited (yet): kept instead of crashing the process with a stack dump. */
function collectUnhandled(): () => unknown[] {
  const pending = new Map<Promise<unknown>, unknown>();
  process.on('unhandledRejection', (reason, promise) => pending.set(promise, reason));
  process.on('rejectionHandled', (promise) => pending.delete(promise));
  return () => [...pending.values()];
}
