import { createServer } from 'node:net';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events/event-bus.ts';
import type { HistoryEvents } from '../../src/core/history/history-events.ts';
import { HistoryService } from '../../src/core/history/history-service.ts';
import { HISTORY_INDEXES } from '../../src/core/history/mongo-history.ts';
import type { HistorySyncStatus } from '../../src/core/history/outbox-worker.ts';
import { openAgentDatabase } from '../../src/core/migrations.ts';
import { startMongoStandin, type MongoStandin } from '../support/mongo-standin/index.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { finishedJob } from './history-fixtures.ts';
import { openMongoTarget, REAL_MONGODB_URI, type MongoTarget } from './mongo-target.ts';

const tempDir = useTempDir();
const context = { machineName: 'lab-pc', accountEmail: null };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  service: HistoryService;
  nextSync(predicate: (status: HistorySyncStatus) => boolean): Promise<HistorySyncStatus>;
}

async function harness(mongo: { uri?: string; database?: string }): Promise<Harness> {
  const bus = new EventBus<HistoryEvents>();
  const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
  const service = new HistoryService({
    db,
    machineName: 'lab-pc',
    mongodbUri: mongo.uri,
    mongodbDatabase: mongo.database,
    events: bus,
    // Short waits keep an outage test quick; nothing asserts on them.
    sync: { initialBackoffMs: 20, maxBackoffMs: 100, serverSelectionTimeoutMs: 300 },
  });
  cleanups.push(async () => {
    await service.stop();
    db.close();
  });
  const nextSync = (predicate: (status: HistorySyncStatus) => boolean) =>
    new Promise<HistorySyncStatus>((resolve) => {
      const off = bus.on('history.sync', (status) => {
        if (!predicate(status)) return;
        off();
        resolve(status);
      });
    });
  return { service, nextSync };
}

async function target(): Promise<MongoTarget> {
  const opened = await openMongoTarget();
  cleanups.push(() => opened.close());
  return opened;
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function indexNames(uri: string, database: string): Promise<string[]> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
  try {
    const indexes = await client.db(database).collection('history').listIndexes().toArray();
    return indexes.map((index) => String(index.name));
  } finally {
    await client.close();
  }
}

const WANTED_INDEXES = HISTORY_INDEXES.map((index) => index.name);

describe('MongoDB status tells the truth', () => {
  it('is not reachable before a round trip; a dead port never is, and search stays local', async () => {
    const uri = `mongodb://127.0.0.1:${await deadPort()}/?directConnection=true`;
    const { service, nextSync } = await harness({ uri });
    expect(service.status()).toMatchObject({ mongodbConfigured: true, reachable: false });
    service.start();
    service.recorder.record(finishedJob({ minute: 1, name: 'waiting.csv' }), context);
    const failing = await nextSync((s) => s.state === 'failing');
    expect(failing.reachable).toBe(false);
    expect(failing.message).toMatch(/^history sync failing: .+, 1 record waiting$/);
    const status = service.status();
    expect(status).toMatchObject({ mongodbConfigured: true, reachable: false, backend: 'local' });
    expect(status.message).not.toMatch(/no MongoDB configured/);
    const page = await service.search({ text: 'waiting' });
    expect(page).toMatchObject({
      backend: 'local',
      notInMongodb: 1,
      items: [{ name: 'waiting.csv' }],
    });
  });

  it('counts records MongoDB refuses one by one, with the reason, and sends the rest', async () => {
    const mongo = await target();
    // Another machine's tool put a unique index on names: a second record of one name is refused.
    const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 3000 });
    await client
      .db(mongo.database)
      .collection('history')
      .createIndex({ name: 1 }, { unique: true });
    await client.close();
    const { service, nextSync } = await harness({ uri: mongo.uri, database: mongo.database });
    service.start();
    await nextSync((s) => s.state === 'idle');
    const synced = nextSync((s) => s.state === 'idle' && s.waiting === 0 && s.refused === 1);
    service.recorder.record(finishedJob({ minute: 1, name: 'dup.txt' }), context);
    service.recorder.record(finishedJob({ minute: 2, name: 'dup.txt' }), context);
    service.recorder.record(finishedJob({ minute: 3, name: 'other.txt' }), context);
    const status = await synced;
    expect(status).toMatchObject({ reachable: true, lastError: null });
    expect(status.lastRefusal).toMatch(/duplicate key/);
    expect(status.message).toMatch(
      /^history in sync with MongoDB; 1 record refused by MongoDB \(last: .*duplicate key.*\)$/,
    );

    // MongoDB answers the search, and says what it cannot know: one record of ours is not there.
    const page = await service.search({});
    expect(page.backend).toBe('mongodb');
    expect(page.items.map((r) => r.name).sort()).toEqual(['dup.txt', 'other.txt']);
    expect(page.notInMongodb).toBe(1);
    expect(service.status()).toMatchObject({ refused: 1, waiting: 0, backend: 'mongodb' });
  });

  it('uses a MongoDB configured while running, sending what was recorded before', async () => {
    const mongo = await target();
    const { service, nextSync } = await harness({});
    service.start();
    service.recorder.record(finishedJob({ minute: 1, name: 'before.txt' }), context);
    expect(service.status()).toMatchObject({ state: 'off', mongodbConfigured: false });
    const synced = nextSync((s) => s.state === 'idle' && s.waiting === 0);
    await service.configure({ mongodbUri: mongo.uri, mongodbDatabase: mongo.database });
    expect(service.status()).toMatchObject({ mongodbConfigured: true });
    await synced;
    const page = await service.search({});
    expect(page).toMatchObject({
      backend: 'mongodb',
      notInMongodb: 0,
      items: [{ name: 'before.txt' }],
    });
    await service.configure({ mongodbUri: undefined });
    expect(service.status()).toMatchObject({
      state: 'off',
      mongodbConfigured: false,
      reachable: false,
    });
    expect((await service.search({})).backend).toBe('local');
  });

  describe.skipIf(!!REAL_MONGODB_URI)('outages (the stand-in can be stopped)', () => {
    async function standin(): Promise<MongoStandin> {
      // A server that comes back empty, as a new instance or a lost volume would.
      const started = await startMongoStandin({ keepDataOnRestart: false });
      cleanups.push(() => started.close());
      return started;
    }

    it('notices an outage while idle, and makes the indexes again when the server returns without them', async () => {
      const mongo = await standin();
      const { service, nextSync } = await harness({ uri: mongo.uri, database: 'driveup_t' });
      service.start();
      await nextSync((s) => s.state === 'idle' && s.reachable);
      expect(await indexNames(mongo.uri, 'driveup_t')).toEqual(
        expect.arrayContaining(WANTED_INDEXES),
      );

      const lost = nextSync((s) => !s.reachable);
      await mongo.stop();
      expect((await lost).state).toBe('failing');
      expect(service.status().reachable).toBe(false);

      const back = nextSync((s) => s.reachable);
      await mongo.start();
      expect(await back).toMatchObject({ state: 'idle', lastError: null });
      expect(await indexNames(mongo.uri, 'driveup_t')).toEqual(
        expect.arrayContaining(WANTED_INDEXES),
      );
    });

    it('makes the indexes again after an outage an upload ran into', async () => {
      const mongo = await standin();
      const { service, nextSync } = await harness({ uri: mongo.uri, database: 'driveup_t' });
      service.start();
      await nextSync((s) => s.state === 'idle' && s.reachable);
      await mongo.stop();
      await mongo.start();
      const synced = nextSync((s) => s.state === 'idle' && s.waiting === 0);
      service.recorder.record(finishedJob({ minute: 1, name: 'after-restart.txt' }), context);
      await synced;
      expect(mongo.collection('driveup_t', 'history').map((d) => d.name)).toEqual([
        'after-restart.txt',
      ]);
      expect(await indexNames(mongo.uri, 'driveup_t')).toEqual(
        expect.arrayContaining(WANTED_INDEXES),
      );
    });
  });
});
