import { parseArgs } from 'node:util';
import { startMongoStandin } from './index.ts';

/** Runs the stand-in as its own process, for manual runs and tests of other processes. */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`invalid --port ${values.port}\n`);
  process.exit(2);
}
const standin = await startMongoStandin({ port });
process.stdout.write(`mongo-standin listening on ${standin.uri}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void standin.close().then(() => process.exit(0));
  });
}
