import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMongoConnection } from '../../src/core/history/mongo-connection-check.ts';
import { openMongoTarget, type MongoTarget } from './mongo-target.ts';

let target: MongoTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** A port nothing listens on: bound, then closed again. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Settings' "Test connection". */
describe('checkMongoConnection', () => {
  it('answers ok after a round trip to a server that answers', async () => {
    target = await openMongoTarget();
    const answer = await checkMongoConnection({ uri: target.uri, database: target.database });
    expect(answer).toEqual({ ok: true, roundTripMs: expect.any(Number) });
  });

  it('says, within its timeout, that no server answered', async () => {
    const uri = `mongodb://127.0.0.1:${await deadPort()}/?directConnection=true`;
    const answer = await checkMongoConnection({ uri, database: 'driveup', timeoutMs: 500 });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.reason).toMatch(/^No MongoDB server answered within 1 s: /);
  });

  it('says what is wrong with a connection string the driver refuses', async () => {
    const answer = await checkMongoConnection({ uri: 'mongodb://', database: 'driveup' });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.reason).toMatch(/^The connection string is not usable: /);
  });
});
