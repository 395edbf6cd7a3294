import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvents } from '../../src/core/history/history-events.ts';
import { HistoryService } from '../../src/core/history/history-service.ts';
import type { HistorySyncStatus } from '../../src/core/history/outbox-worker.ts';
import { openAgentDatabase } from '../../src/core/migrations.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { finishedJob } from './history-fixtures.ts';
import type { MongoTarget } from './mongo-target.ts';
import { openMongoTarget } from './mongo-target.ts';
import { join } from 'node:path';
import { EventBus } from '../../src/core/events/event-bus.ts';

const tempDir = useTempDir();
const context = { machineName: 'lab-pc', accountEmail: 'alice@example.com' };

interface Harness {
  service: HistoryService;
  bus: EventBus<HistoryEvents>;
  target: MongoTarget;
  nextSync(predicate: (status: HistorySyncStatus) => boolean): Promise<HistorySyncStatus>;
}

const open: Harness[] = [];

afterEach(async () => {
  for (const { service, target } of open.splice(0)) {
    await service.stop();
    await target.close();
  }
});

async function harness(uri?: (target: MongoTarget) => string): Promise<Harness> {
  const target = await openMongoTarget();
  const bus = new EventBus<HistoryEvents>();
  const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
  const service = new HistoryService({
    db,
    machineName: 'lab-pc',
    mongodbUri: uri ? uri(target) : target.uri,
    mongodbDatabase: target.database,
    events: bus,
    // Short waits keep an outage test quick; nothing asserts on them.
    sync: { initialBackoffMs: 20, maxBackoffMs: 100, serverSelectionTimeoutMs: 300 },
  });
  const nextSync = (predicate: (status: HistorySyncStatus) => boolean) =>
    new Promise<HistorySyncStatus>((resolve) => {
      const off = bus.on('history.sync', (status) => {
        if (!predicate(status)) return;
        off();
        resolve(status);
      });
    });
  const h = { service, bus, target, nextSync };
  open.push(h);
  return h;
}

describe('history sync to MongoDB', () => {
  it('searches MongoDB when it is reachable, and says so', async () => {
    const { service, nextSync } = await harness();
    const synced = nextSync((s) => s.state === 'idle');
    service.start();
    service.recorder.record(finishedJob({ minute: 1, name: 'plate-reader.csv' }), context);
    await synced;
    const page = await service.search({ text: 'plate' });
    expect(page.backend).toBe('mongodb');
    expect(page.items.map((r) => r.name)).toEqual(['plate-reader.csv']);
    expect(service.status()).toMatchObject({ backend: 'mongodb', state: 'idle', waiting: 0 });
  });

  it.skipIf(!!process.env.MONGODB_URI)(
    'MongoDB down during 500 uploads: local search throughout, then all 500 reach it once',
    async () => {
      const { service, target, nextSync } = await harness();
      const standin = target.standin!;
      service.start();
      await nextSync((s) => s.state === 'idle');
      await standin.stop();

      const failing = nextSync((s) => s.state === 'failing' && s.waiting === 500);
      for (let minute = 0; minute < 500; minute++) {
        service.recorder.record(finishedJob({ minute, name: `scan-${minute}.tiff` }), context);
      }
      const status = await failing;
      expect(status.message).toMatch(/^history sync failing: .+, 500 records waiting$/);

      const during = await service.search({ text: 'scan', limit: 200 });
      expect(during.backend).toBe('local');
      expect(during.items).toHaveLength(200);
      expect(during.items[0]!.name).toBe('scan-499.tiff');

      const recovered = nextSync((s) => s.state === 'idle' && s.waiting === 0);
      await standin.start();
      await recovered;
      const documents = standin.collection(target.database, 'history');
      const ids = documents.map((d) => d._id);
      expect(ids).toHaveLength(500);
      expect(new Set(ids).size).toBe(500);
      expect((await service.search({ text: 'scan' })).backend).toBe('mongodb');
    },
  );

  it.skipIf(!!process.env.MONGODB_URI)(
    'falls back to local search when MongoDB goes away between syncs',
    async () => {
      const { service, target, nextSync } = await harness();
      service.start();
      service.recorder.record(finishedJob({ minute: 1, name: 'gel.png' }), context);
      await nextSync((s) => s.state === 'idle');
      await target.standin!.stop();
      const page = await service.search({ text: 'gel' });
      expect(page).toMatchObject({ backend: 'local', items: [{ name: 'gel.png' }] });
      expect(service.status().backend).toBe('local');
    },
  );

  it.skipIf(!!process.env.MONGODB_URI)(
    'shows an authentication failure in status while uploads keep being recorded',
    async () => {
      const { service, nextSync } = await harness((t) => t.uri.replace('//', '//alice:wrong@'));
      service.start();
      const failing = nextSync((s) => s.state === 'failing');
      service.recorder.record(finishedJob({ minute: 1 }), context);
      const status = await failing;
      expect(status.message).toMatch(/^history sync failing: .+, 1 record waiting$/);
      service.recorder.record(finishedJob({ minute: 2 }), context);
      const page = await service.search({});
      expect(page.backend).toBe('local');
      expect(page.items).toHaveLength(2);
    },
  );

  it('carries an upload moved to the trash to MongoDB, as a new version of its record', async () => {
    const { service, target, nextSync } = await harness();
    service.start();
    const job = finishedJob({ minute: 1, name: 'sent-by-mistake.tif' });
    service.recorder.record(job, context);
    await nextSync((s) => s.state === 'idle' && s.waiting === 0);
    const at = new Date('2026-11-02T10:00:00Z');
    const synced = nextSync((s) => s.state === 'idle' && s.waiting === 0);
    expect(service.markTrashed(job.id, at)?.trashedAt).toEqual(at);
    await synced;
    const page = await service.search({ text: 'mistake' });
    expect(page.backend).toBe('mongodb');
    expect(page.items[0]?.trashedAt).toEqual(at);
    if (target.standin) {
      expect(target.standin.collection(target.database, 'history')).toMatchObject([
        { _id: job.id, trashedAt: at },
      ]);
    }
  });

  it("clears this machine's records locally and on MongoDB, leaving other machines' there", async () => {
    const { service, nextSync } = await harness();
    service.start();
    service.recorder.record(finishedJob({ minute: 1, name: 'mine.txt' }), context);
    service.recorder.record(finishedJob({ minute: 2, name: 'theirs.txt' }), {
      ...context,
      machineName: 'scope-1',
    });
    await nextSync((s) => s.state === 'idle');
    const cleared = nextSync((s) => s.state === 'idle');
    expect(service.clear({}).removed).toBe(2);
    await cleared;
    const page = await service.search({});
    expect(page).toMatchObject({ backend: 'mongodb', items: [{ name: 'theirs.txt' }] });
  });
});
