import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyQuerySchema } from '../../src/core/history/history-query.ts';
import type { HistoryQueryInput } from '../../src/core/history/history-query.ts';
import { recordFromJob } from '../../src/core/history/history-record.ts';
import { HISTORY_INDEXES, MongoHistory } from '../../src/core/history/mongo-history.ts';
import { planSearch } from '../../src/core/history/search-plan.ts';
import type { StoredRecord } from '../../src/core/history/search-plan.ts';
import { firstKeyAt } from '../../src/core/history/sort-key.ts';
import { finishedJob } from './history-fixtures.ts';
import type { MongoTarget } from './mongo-target.ts';
import { openMongoTarget, REAL_MONGODB_URI } from './mongo-target.ts';

function stored(minute: number, machine = 'lab-pc', name = `report-${minute}.pdf`): StoredRecord {
  const record = recordFromJob(finishedJob({ minute, name }), {
    machineName: machine,
    accountEmail: null,
  });
  return { record, sortKey: firstKeyAt(record.finishedAt.getTime()) };
}

describe('MongoDB history', () => {
  let target: MongoTarget;
  let mongo: MongoHistory;

  beforeEach(async () => {
    target = await openMongoTarget();
    mongo = new MongoHistory({ uri: target.uri, database: target.database });
  });

  afterEach(async () => {
    await mongo.close();
    await target.close();
  });

  it('creates its indexes on first contact', async () => {
    await mongo.upsert([stored(1)]);
    const names = (await mongo.collection.listIndexes().toArray()).map((index) => index.name);
    expect(names).toEqual(expect.arrayContaining(HISTORY_INDEXES.map((index) => index.name)));
  });

  it('upserts by record id: sending a batch again leaves one document per record', async () => {
    const batch = [stored(1), stored(2), stored(3)];
    await mongo.upsert(batch);
    const changed = { ...batch[1]!, record: { ...batch[1]!.record, status: 'failed' as const } };
    expect(await mongo.upsert([batch[0]!, changed, batch[2]!])).toEqual(new Map());
    expect(await mongo.collection.countDocuments()).toBe(3);
    expect((await mongo.get(changed.record.id))?.record.status).toBe('failed');
  });

  it("clears only this machine's records, all or before a date", async () => {
    await mongo.upsert([stored(1), stored(2), stored(3), stored(1, 'scope-1', 'other.pdf')]);
    await mongo.clear('lab-pc', stored(3).record.finishedAt);
    const names = async () =>
      (await mongo.collection.find({}, { sort: { sortKey: 1 } }).toArray()).map((d) => d.name);
    expect(await names()).toEqual(['other.pdf', 'report-3.pdf']);
    await mongo.clear('lab-pc', null);
    expect(await names()).toEqual(['other.pdf']);
  });

  /**
   * Every search must be index-backed: text through the multikey `terms` index (never a regular
   * expression over the whole collection), filters through the index that leads with their field.
   */
  it.each<[HistoryQueryInput, string]>([
    [{ text: 'report' }, 'terms_newest'],
    [{ text: 'report 2026 pd' }, 'terms_newest'],
    [{ text: 'a'.repeat(40) }, 'terms_newest'],
    [{ text: 'report', from: new Date(0), to: new Date() }, 'terms_newest'],
    [{ machine: 'lab-pc' }, 'machine_newest'],
    [{ status: ['failed', 'cancelled'] }, 'status_newest'],
    [{ extension: 'pdf' }, 'extension_newest'],
    [{ mimeType: 'image/*' }, 'mime_type_newest'],
    [{}, 'newest'],
  ])('explain shows %j using index %s', async (input, indexName) => {
    await mongo.upsert([stored(1), stored(2)]);
    const plan = planSearch(historyQuerySchema.parse(input));
    const explained = await mongo.collection
      .find(mongo.filterOf(plan))
      .sort({ sortKey: -1, _id: -1 })
      .explain('queryPlanner');
    const winning = explained.queryPlanner.winningPlan;
    expect(JSON.stringify(winning)).not.toContain('COLLSCAN');
    // A real server races candidate plans and may prefer another index that fits; either way
    // the collection is not scanned.
    const scan = findStage(winning, 'IXSCAN');
    expect(scan).toBeDefined();
    if (!REAL_MONGODB_URI) expect(scan).toMatchObject({ indexName });
  });
});

function findStage(plan: unknown, stage: string): Record<string, unknown> | undefined {
  if (!plan || typeof plan !== 'object') return undefined;
  const node = plan as Record<string, unknown>;
  if (node.stage === stage) return node;
  const children = [node.inputStage, ...((node.inputStages as unknown[]) ?? [])];
  return children.map((child) => findStage(child, stage)).find(Boolean);
}
