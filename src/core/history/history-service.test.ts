import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishedJob } from '../../../test/history/history-fixtures.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { settingsSchema } from '../config/settings-schema.ts';
import { EventBus } from '../events/event-bus.ts';
import type { AgentEvents } from '../agent-events.ts';
import { openAgentDatabase } from '../migrations.ts';
import { transaction } from '../store/transaction.ts';
import { HistoryService, historyOptionsFromSettings } from './history-service.ts';
import { mongoUriProblem } from '../config/mongo-uri.ts';

const tempDir = useTempDir();
const context = { machineName: 'lab-pc', accountEmail: null };

describe('HistoryService', () => {
  it('refuses an invalid MongoDB connection string, saying why', async () => {
    const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
    expect(
      () => new HistoryService({ db, machineName: 'a', mongodbUri: 'mongodb://host:99999' }),
    ).toThrow(/connection string is refused: .*host:99999/);
    expect(mongoUriProblem('mongodb://h/?tls=maybe')).toMatch(/tls/);
    expect(mongoUriProblem('mongodb://localhost:27017/driveup')).toBeNull();
    db.close();
  });

  it('without MongoDB: local search, sync off, events on the agent bus', async () => {
    const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
    const bus = new EventBus<AgentEvents>();
    const settings = settingsSchema.parse({ machineName: 'lab-pc' });
    const service = new HistoryService({
      db,
      events: bus,
      ...historyOptionsFromSettings(settings),
    });
    service.start();
    const recorded = new Promise((resolve) => bus.on('history.recorded', resolve));
    service.recorder.record(finishedJob({ minute: 1, name: 'plate.csv' }), context);
    expect(await recorded).toMatchObject({ name: 'plate.csv', status: 'uploaded' });
    const page = await service.search({ text: 'PLATE' });
    expect(page).toMatchObject({
      backend: 'local',
      nextCursor: null,
      items: [{ name: 'plate.csv' }],
    });
    expect(await service.get(page.items[0]!.id)).toEqual(page.items[0]);
    expect(service.status()).toMatchObject({
      backend: 'local',
      state: 'off',
      mongodbConfigured: false,
    });
    await service.stop();
    db.close();
  });

  it('announces a record only once the transaction that wrote it commits', async () => {
    const db = openAgentDatabase(join(await tempDir(), 'driveup.db'));
    const bus = new EventBus<AgentEvents>();
    const service = new HistoryService({ db, machineName: 'lab-pc', events: bus });
    const names: string[] = [];
    bus.on('history.recorded', (event) => names.push(event.name));
    expect(() =>
      transaction(db, () => {
        service.recorder.record(finishedJob({ minute: 1, name: 'rolled-back.txt' }), context);
        throw new Error('queue failed to mark the job done');
      }),
    ).toThrow();
    const kept = new Promise((resolve) => bus.on('history.recorded', resolve));
    service.recorder.record(finishedJob({ minute: 2, name: 'kept.txt' }), context);
    await kept;
    expect(names).toEqual(['kept.txt']);
    db.close();
  });
});
