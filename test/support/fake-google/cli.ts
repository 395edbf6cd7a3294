/**
 * `npm run fake-google -- --port N`: runs the fake as its own process. The first stdout line is
 * `fake-google listening on http://127.0.0.1:PORT`, for whoever spawned it to read.
 */
import { parseArgs } from 'node:util';
import { startFakeGoogle } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'access-token-ttl': { type: 'string' },
    'storage-limit-bytes': { type: 'string' },
  },
});

const number = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

const fake = await startFakeGoogle({
  port: Number(values.port),
  clientId: values['client-id'],
  clientSecret: values['client-secret'],
  accessTokenTtlSeconds: number(values['access-token-ttl']),
  storageLimitBytes: number(values['storage-limit-bytes']),
});
console.log(`fake-google listening on ${fake.url}`);

const stop = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
