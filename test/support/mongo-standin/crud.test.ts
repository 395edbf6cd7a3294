import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, MongoClient, MongoServerError, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoStandin, type MongoStandin } from './index.ts';

let standin: MongoStandin;
let client: MongoClient;

beforeAll(async () => {
  standin = await startMongoStandin();
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await standin?.close();
});

/** A fresh database per test keeps tests independent while sharing one server. */
function freshDb(): Db {
  return client.db(`t${randomUUID().slice(0, 8)}`);
}

describe('connecting', () => {
  it('answers ping and buildInfo through the official driver', async () => {
    const admin = client.db('admin');
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await admin.command({ buildInfo: 1 })).toMatchObject({ version: '7.0.0', ok: 1 });
  });

  it('rejects unknown commands as a real server does', async () => {
    await expect(freshDb().command({ frobnicate: 1 })).rejects.toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      message: "no such command: 'frobnicate'",
    });
  });
});

describe('insert and find', () => {
  it('applies filter, sort, skip, limit and projection', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.insertMany([
      { name: 'a.txt', size: 30, folder: 'x' },
      { name: 'b.txt', size: 10, folder: 'x' },
      { name: 'c.txt', size: 20, folder: 'x' },
      { name: 'd.txt', size: 40, folder: 'y' },
    ]);
    await uploads.insertOne({ name: 'e.txt', size: 50, folder: 'x' });

    const page = await uploads
      .find({ folder: 'x' }, { projection: { _id: 0, name: 1 } })
      .sort({ size: -1 })
      .skip(1)
      .limit(2)
      .toArray();

    expect(page).toEqual([{ name: 'a.txt' }, { name: 'c.txt' }]);
  });

  it('streams a large result through several getMore batches', async () => {
    const items = freshDb().collection('items');
    await items.insertMany(Array.from({ length: 25 }, (_, i) => ({ i })));
    const getMoresBefore = standin.commandCount('getMore');

    const all = await items.find({}, { batchSize: 4 }).sort({ i: 1 }).toArray();

    expect(all.map((doc) => doc.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(standin.commandCount('getMore') - getMoresBefore).toBeGreaterThanOrEqual(6);
  });

  it('frees a cursor the client abandons', async () => {
    const items = freshDb().collection('items');
    await items.insertMany(Array.from({ length: 10 }, (_, i) => ({ i })));
    const cursor = items.find({}, { batchSize: 2 });
    await cursor.next();
    const killsBefore = standin.commandCount('killCursors');

    await cursor.close();

    expect(standin.commandCount('killCursors')).toBe(killsBefore + 1);
  });

  it('keeps databases and collections apart', async () => {
    const [one, two] = [freshDb(), freshDb()];
    await one.collection('c').insertOne({ from: 'one' });
    await two.collection('c').insertOne({ from: 'two' });
    await two.collection('d').insertOne({ from: 'two-d' });

    expect(
      await one
        .collection('c')
        .find({}, { projection: { _id: 0 } })
        .toArray(),
    ).toEqual([{ from: 'one' }]);
    expect(standin.collection(two.databaseName, 'd')).toMatchObject([{ from: 'two-d' }]);
  });
});

describe('updates', () => {
  const upsertBatch = (seenAt: Date) =>
    ['f1', 'f2', 'f3'].map((id) => ({
      updateOne: {
        filter: { _id: id },
        update: { $set: { status: 'done', seenAt }, $setOnInsert: { firstSeenAt: seenAt } },
        upsert: true,
      },
    }));

  it('makes unordered _id-keyed upserts idempotent', async () => {
    const history = freshDb().collection<{ _id: string }>('history');
    const first = new Date('2024-01-01T00:00:00Z');
    const second = new Date('2024-02-01T00:00:00Z');

    const inserted = await history.bulkWrite(upsertBatch(first), { ordered: false });
    const replayed = await history.bulkWrite(upsertBatch(second), { ordered: false });

    expect(inserted).toMatchObject({ upsertedCount: 3, matchedCount: 0, modifiedCount: 0 });
    expect(replayed).toMatchObject({ upsertedCount: 0, matchedCount: 3, modifiedCount: 3 });
    const docs = await history.find().sort({ _id: 1 }).toArray();
    expect(docs).toEqual(
      ['f1', 'f2', 'f3'].map((id) => ({
        _id: id,
        status: 'done',
        seenAt: second,
        firstSeenAt: first,
      })),
    );
  });

  it('reports a replayed identical update as matched but not modified', async () => {
    const history = freshDb().collection<{ _id: string }>('history');
    const at = new Date('2024-01-01T00:00:00Z');
    await history.bulkWrite(upsertBatch(at), { ordered: false });

    const replayed = await history.bulkWrite(upsertBatch(at), { ordered: false });

    expect(replayed).toMatchObject({ upsertedCount: 0, matchedCount: 3, modifiedCount: 0 });
  });

  it('supports $inc, $unset, $push, $addToSet, multi updates and replacements', async () => {
    const files = freshDb().collection<{
      name: string;
      tries: number;
      tags?: string[];
      temp?: boolean;
    }>('files');
    await files.insertMany([
      { name: 'a', tries: 0, tags: ['x'], temp: true },
      { name: 'b', tries: 5, tags: [], temp: true },
    ]);

    const many = await files.updateMany({}, { $inc: { tries: 1 }, $unset: { temp: '' } });
    await files.updateOne({ name: 'a' }, { $push: { tags: 'y' } });
    await files.updateOne({ name: 'a' }, { $addToSet: { tags: 'x' } });
    await files.replaceOne({ name: 'b' }, { name: 'b2', tries: 0 });

    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await files.find({}, { projection: { _id: 0 } }).toArray()).toEqual([
      { name: 'a', tries: 1, tags: ['x', 'y'] },
      { name: 'b2', tries: 0 },
    ]);
  });

  it('returns the updated document from findOneAndUpdate', async () => {
    const queue = freshDb().collection('queue');
    await queue.insertMany([
      { job: 1, state: 'queued' },
      { job: 2, state: 'queued' },
    ]);

    const claimed = await queue.findOneAndUpdate(
      { state: 'queued' },
      { $set: { state: 'running' } },
      { sort: { job: -1 }, returnDocument: 'after', projection: { _id: 0 } },
    );

    expect(claimed).toEqual({ job: 2, state: 'running' });
    expect(await queue.countDocuments({ state: 'queued' })).toBe(1);
  });

  it('refuses to change _id', async () => {
    const files = freshDb().collection<{ _id: string }>('files');
    await files.insertOne({ _id: 'a' });

    await expect(files.updateOne({ _id: 'a' }, { $set: { _id: 'b' } })).rejects.toMatchObject({
      code: 66,
    });
  });

  it('accepts $set of _id to its current value, and $setOnInsert of _id on upsert', async () => {
    const files = freshDb().collection<{ _id: string; n?: number }>('files');
    await files.insertOne({ _id: 'a' });

    await files.updateOne({ _id: 'a' }, { $set: { _id: 'a', n: 1 } });
    await files.updateOne({ n: 2 }, { $setOnInsert: { _id: 'b' } }, { upsert: true });

    expect(standin.collection(files.dbName, 'files')).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 2 },
    ]);
  });
});

describe('unique indexes', () => {
  it('rejects a duplicate with 11000 yet applies the rest of an unordered batch', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.createIndex({ fileId: 1 }, { unique: true });

    const attempt = uploads.insertMany([{ fileId: 'a' }, { fileId: 'a' }, { fileId: 'b' }], {
      ordered: false,
    });

    const error: unknown = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error).toMatchObject({ code: 11000, writeErrors: [{ index: 1, code: 11000 }] });
    const ids = await uploads.find({}, { projection: { _id: 0 } }).toArray();
    expect(ids).toEqual([{ fileId: 'a' }, { fileId: 'b' }]);
  });

  it('stops an ordered batch at the duplicate', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.createIndex({ fileId: 1 }, { unique: true });

    await expect(
      uploads.insertMany([{ fileId: 'a' }, { fileId: 'a' }, { fileId: 'b' }]),
    ).rejects.toBeInstanceOf(MongoBulkWriteError);

    expect(await uploads.countDocuments()).toBe(1);
  });

  it('rejects an upsert or update that would collide, reporting the key', async () => {
    const uploads = freshDb().collection<{ _id: string; fileId: string }>('uploads');
    await uploads.createIndex({ fileId: 1 }, { unique: true });
    await uploads.insertMany([
      { _id: 'u1', fileId: 'a' },
      { _id: 'u2', fileId: 'b' },
    ]);

    const upsert = uploads.updateOne({ _id: 'u3' }, { $set: { fileId: 'a' } }, { upsert: true });
    const update = uploads.updateOne({ _id: 'u2' }, { $set: { fileId: 'a' } });

    await expect(upsert).rejects.toBeInstanceOf(MongoServerError);
    await expect(update).rejects.toMatchObject({ code: 11000, keyValue: { fileId: 'a' } });
    expect(standin.collection(uploads.dbName, 'uploads')).toEqual([
      { _id: 'u1', fileId: 'a' },
      { _id: 'u2', fileId: 'b' },
    ]);
  });

  it('treats a duplicate _id as a duplicate key', async () => {
    const files = freshDb().collection<{ _id: string }>('files');
    await files.insertOne({ _id: 'same' });

    await expect(files.insertOne({ _id: 'same' })).rejects.toMatchObject({ code: 11000 });
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const files = freshDb().collection('files');
    await files.insertMany([{ k: 1 }, { k: 1 }]);

    await expect(files.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({
      code: 11000,
    });
  });
});

describe('delete, count and aggregate', () => {
  it('deletes only what the filter matches', async () => {
    const files = freshDb().collection('files');
    await files.insertMany([{ size: 1 }, { size: 5 }, { size: 9 }]);

    const result = await files.deleteMany({ size: { $gte: 5 } });

    expect(result.deletedCount).toBe(2);
    expect(await files.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ size: 1 }]);
  });

  it('counts documents with a filter, skip and limit', async () => {
    const files = freshDb().collection('files');
    await files.insertMany(Array.from({ length: 10 }, (_, i) => ({ i, even: i % 2 === 0 })));

    expect(await files.countDocuments({ even: true })).toBe(5);
    expect(await files.countDocuments({}, { skip: 2, limit: 5 })).toBe(5);
    expect(await files.estimatedDocumentCount()).toBe(10);
    expect(await files.countDocuments({ missing: 1 })).toBe(0);
  });

  it('runs pipelines with $match, $group, $sort, $project, $facet and $count', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.insertMany([
      { folder: 'a', bytes: 10 },
      { folder: 'b', bytes: 5 },
      { folder: 'a', bytes: 20 },
    ]);

    const totals = await uploads
      .aggregate([
        { $match: { bytes: { $gt: 1 } } },
        { $group: { _id: '$folder', total: { $sum: '$bytes' } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, folder: '$_id', total: 1 } },
      ])
      .toArray();
    const [faceted] = await uploads
      .aggregate([
        { $facet: { count: [{ $count: 'n' }], top: [{ $sort: { bytes: -1 } }, { $limit: 1 }] } },
      ])
      .toArray();

    expect(totals).toEqual([
      { total: 30, folder: 'a' },
      { total: 5, folder: 'b' },
    ]);
    expect(faceted).toMatchObject({ count: [{ n: 3 }], top: [{ bytes: 20 }] });
  });

  it('lists distinct values, expanding arrays', async () => {
    const files = freshDb().collection('files');
    await files.insertMany([{ tags: ['a', 'b'] }, { tags: 'c' }, { tags: ['a'] }]);

    expect((await files.distinct('tags')).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('lookups by _id', () => {
  it('finds, replaces and deletes by _id and _id $in as a scan would, in natural order', async () => {
    const records = freshDb().collection<{ _id: string | number | { k: number }; v: number }>(
      'records',
    );
    await records.insertMany([
      { _id: 'b', v: 1 },
      { _id: 2, v: 2 },
      { _id: 'a', v: 3 },
      { _id: { k: 1 }, v: 4 },
    ]);
    await records.replaceOne({ _id: 'b' }, { v: 10 }, { upsert: true });
    await records.replaceOne({ _id: 'c' }, { v: 5 }, { upsert: true });
    // The string "2" is not the number 2.
    expect(await records.findOne({ _id: '2' })).toBeNull();
    expect(await records.findOne({ _id: { k: 1 } })).toEqual({ _id: { k: 1 }, v: 4 });
    expect(await records.find({ _id: { $in: ['c', 'a', 'b', 'zz'] } }).toArray()).toEqual([
      { _id: 'b', v: 10 },
      { _id: 'a', v: 3 },
      { _id: 'c', v: 5 },
    ]);
    await records.deleteOne({ _id: 'a' });
    await records.updateOne({ _id: 'c' }, { $inc: { v: 1 } });
    expect(await records.find({}).toArray()).toEqual([
      { _id: 'b', v: 10 },
      { _id: 2, v: 2 },
      { _id: { k: 1 }, v: 4 },
      { _id: 'c', v: 6 },
    ]);
  });
});
