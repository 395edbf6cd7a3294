import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoStandin, type MongoStandin } from './index.ts';

let standin: MongoStandin;
let client: MongoClient;
let uploads: Collection;

beforeAll(async () => {
  standin = await startMongoStandin();
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 10_000 });
  uploads = client.db(`t${randomUUID().slice(0, 8)}`).collection('uploads');
  await uploads.insertMany([
    { folder: 'a', uploadedAt: 1, tokens: ['abc', 'report'], size: 5 },
    { folder: 'b', uploadedAt: 2, tokens: ['abd'], size: 7 },
  ]);
  await uploads.createIndex({ tokens: 1 });
  await uploads.createIndex({ folder: 1 });
  await uploads.createIndex({ folder: 1, uploadedAt: -1 });
});

afterAll(async () => {
  await client?.close();
  await standin?.close();
});

function planOf(explained: Document): Document {
  return explained.queryPlanner.winningPlan as Document;
}

describe('find().explain()', () => {
  it.each([
    ['an array element', { tokens: 'abc' }],
    ['$all', { tokens: { $all: ['abc'] } }],
    ['a prefix range', { tokens: { $gte: 'ab', $lt: 'ac' } }],
    ['$in', { tokens: { $in: ['abc', 'zzz'] } }],
  ])('scans the multikey index for %s', async (_label, filter) => {
    const plan = planOf(await uploads.find(filter).explain());

    expect(plan).toMatchObject({
      stage: 'FETCH',
      inputStage: {
        stage: 'IXSCAN',
        indexName: 'tokens_1',
        keyPattern: { tokens: 1 },
        isMultiKey: true,
      },
    });
  });

  it('scans the collection when no index leads with a filtered field', async () => {
    const plan = planOf(await uploads.find({ size: { $gt: 1 }, uploadedAt: 2 }).explain());

    expect(plan).toMatchObject({ stage: 'COLLSCAN' });
  });

  it('scans the collection for operators an index cannot bound', async () => {
    expect(planOf(await uploads.find({ tokens: { $size: 2 } }).explain())).toMatchObject({
      stage: 'COLLSCAN',
    });
    expect(planOf(await uploads.find({}).explain())).toMatchObject({ stage: 'COLLSCAN' });
  });

  it('prefers the index matching the most leading fields', async () => {
    const both = planOf(await uploads.find({ folder: 'a', uploadedAt: { $lt: 5 } }).explain());
    const first = planOf(await uploads.find({ folder: 'a' }).explain());

    expect(both.inputStage).toMatchObject({
      indexName: 'folder_1_uploadedAt_-1',
      isMultiKey: false,
    });
    expect(first.inputStage).toMatchObject({ indexName: 'folder_1' });
  });

  it('reads an index backwards to give a newest-first sort', async () => {
    const unfiltered = planOf(await uploads.find({}).sort({ folder: -1 }).explain());
    const paged = planOf(await uploads.find({ folder: 'a' }).sort({ uploadedAt: 1 }).explain());

    expect(unfiltered.inputStage).toMatchObject({ indexName: 'folder_1', direction: 'backward' });
    expect(paged.inputStage).toMatchObject({
      indexName: 'folder_1_uploadedAt_-1',
      direction: 'backward',
    });
  });

  it('unions one index scan per $or clause when every clause has an index', async () => {
    const indexed = planOf(
      await uploads.find({ $or: [{ folder: 'a' }, { tokens: 'abd' }] }).explain(),
    );
    const partly = planOf(await uploads.find({ $or: [{ folder: 'a' }, { size: 7 }] }).explain());

    expect(indexed).toMatchObject({
      stage: 'SUBPLAN',
      inputStage: {
        stage: 'FETCH',
        inputStage: {
          stage: 'OR',
          inputStages: [{ indexName: 'folder_1' }, { indexName: 'tokens_1' }],
        },
      },
    });
    expect(partly).toMatchObject({ stage: 'COLLSCAN' });
  });

  it('follows a hint', async () => {
    const plan = planOf(await uploads.find({}).hint('folder_1').explain());

    expect(plan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'folder_1' });
  });

  it('reports execution stats unless only the plan was asked for', async () => {
    const full = await uploads.find({ folder: 'a' }).explain('executionStats');
    const plannerOnly = await uploads.find({ folder: 'a' }).explain('queryPlanner');

    expect(full.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
    expect(plannerOnly.executionStats).toBeUndefined();
  });
});

describe('aggregate().explain()', () => {
  it('plans the leading $match like a find', async () => {
    const explained = await uploads
      .aggregate([{ $match: { tokens: 'abc' } }, { $group: { _id: '$folder' } }])
      .explain();

    expect(planOf(explained).inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'tokens_1' });
    expect(explained.stages[0].$cursor.queryPlanner.winningPlan.stage).toBe('FETCH');
  });

  it('scans the collection without a leading $match', async () => {
    const explained = await uploads.aggregate([{ $sort: { size: 1 } }]).explain();

    expect(planOf(explained)).toMatchObject({ stage: 'COLLSCAN' });
  });
});
