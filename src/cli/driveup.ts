// The `driveup` command.
import { runCli } from './program.ts';

const code = await runCli(process.argv);
// Subscriptions and sockets may still hold the loop open; the answer has been printed.
process.exit(code);
