import {
  MongoClient,
  MongoNetworkError,
  MongoServerSelectionError,
  type MongoClientOptions,
} from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startMongoStandin, type MongoStandin } from './index.ts';

// Short enough that the outage surfaces quickly, long enough for a reconnect on a busy machine.
const CLIENT_OPTIONS: MongoClientOptions = { serverSelectionTimeoutMS: 3_000 };

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected(
  opts?: Parameters<typeof startMongoStandin>[0],
): Promise<{ standin: MongoStandin; client: MongoClient }> {
  const standin = await startMongoStandin(opts);
  cleanups.push(() => standin.close());
  const client = new MongoClient(standin.uri, CLIENT_OPTIONS);
  cleanups.push(() => client.close());
  await client.connect();
  return { standin, client };
}

describe('outages', () => {
  it('fails operations while stopped and serves the same client again once started', async () => {
    const { standin, client } = await connected();
    const files = client.db('t').collection('files');
    await files.insertOne({ name: 'a' });

    await standin.stop();
    const failure: unknown = await files.findOne({}).catch((error: unknown) => error);
    await standin.start();
    const afterRestart = await files.find({}, { projection: { _id: 0 } }).toArray();

    expect(
      failure instanceof MongoNetworkError || failure instanceof MongoServerSelectionError,
    ).toBe(true);
    expect(afterRestart).toEqual([{ name: 'a' }]);
  });

  it('comes back on the same port', async () => {
    const { standin } = await connected();
    const { port, uri } = standin;

    await standin.stop();
    await standin.start();

    expect(standin.port).toBe(port);
    expect(standin.uri).toBe(uri);
  });

  it('forgets everything across a restart when keepDataOnRestart is false', async () => {
    const { standin, client } = await connected({ keepDataOnRestart: false });
    await client.db('t').collection('files').insertOne({ name: 'a' });

    await standin.stop();
    await standin.start();

    expect(standin.collection('t', 'files')).toEqual([]);
    expect(await client.db('t').collection('files').countDocuments()).toBe(0);
  });

  it('refuses to start again after close', async () => {
    const standin = await startMongoStandin();

    await standin.close();

    await expect(standin.start()).rejects.toThrow(/closed/);
  });
});
