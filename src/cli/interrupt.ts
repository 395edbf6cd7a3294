import { EXIT } from './exit-codes.ts';
import { drained } from './output-drain.ts';

/**
 * While a command waits (`add --wait`, `logs -f`), Ctrl-C ends the wait, not the work: `cleanup`
 * gives the terminal back and returns what to tell the person; the command exits 130, as shells
 * report a SIGINT. Returns the function that removes the handler when the wait is over.
 */
export function onInterrupt(cleanup: () => string | undefined): () => void {
  const handler = () => {
    const message = cleanup();
    if (message) process.stderr.write(`${message}\n`);
    void Promise.all([drained(process.stdout), drained(process.stderr)]).then(() =>
      process.exit(EXIT.interrupted),
    );
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
