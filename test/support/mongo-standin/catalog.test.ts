import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
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

function freshDb(): Db {
  return client.db(`t${randomUUID().slice(0, 8)}`);
}

describe('indexes', () => {
  it('lists created indexes after the implicit _id_ index', async () => {
    const uploads = freshDb().collection('uploads');

    const names = await uploads.createIndexes([
      { key: { fileId: 1 }, name: 'fileId_1', unique: true },
      { key: { folder: 1, uploadedAt: -1 } },
    ]);

    expect(names).toEqual(['fileId_1', 'folder_1_uploadedAt_-1']);
    expect(await uploads.listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { fileId: 1 }, name: 'fileId_1', unique: true },
      { v: 2, key: { folder: 1, uploadedAt: -1 }, name: 'folder_1_uploadedAt_-1' },
    ]);
  });

  it('treats re-creating the same index as a no-op and a clashing one as an error', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.createIndex({ fileId: 1 }, { unique: true });

    await uploads.createIndex({ fileId: 1 }, { unique: true });
    const clash = uploads.createIndex({ fileId: 1 }, { name: 'other' });

    await expect(clash).rejects.toMatchObject({ code: 85 });
    expect(await uploads.indexes()).toHaveLength(2);
  });

  it('drops an index by name', async () => {
    const uploads = freshDb().collection('uploads');
    await uploads.createIndex({ fileId: 1 });

    await uploads.dropIndex('fileId_1');

    expect((await uploads.indexes()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('reports listIndexes on a missing collection as NamespaceNotFound', async () => {
    await expect(freshDb().collection('nope').listIndexes().toArray()).rejects.toMatchObject({
      code: 26,
    });
  });
});

describe('collections', () => {
  it('lists collections, optionally filtered by name', async () => {
    const db = freshDb();
    await db.collection('uploads').insertOne({ a: 1 });
    await db.createCollection('history');

    const all = await db.listCollections({}, { nameOnly: true }).toArray();
    const filtered = await db.listCollections({ name: 'history' }).toArray();

    expect(all.map((info) => info.name).sort()).toEqual(['history', 'uploads']);
    expect(filtered).toMatchObject([{ name: 'history', type: 'collection' }]);
  });

  it('refuses to create an existing collection', async () => {
    const db = freshDb();
    await db.createCollection('history');

    await expect(db.createCollection('history')).rejects.toMatchObject({ code: 48 });
  });

  it('drops a collection with its documents and indexes', async () => {
    const db = freshDb();
    const uploads = db.collection('uploads');
    await uploads.insertOne({ a: 1 });
    await uploads.createIndex({ a: 1 });

    expect(await uploads.drop()).toBe(true);

    expect(await db.listCollections().toArray()).toEqual([]);
    expect(await uploads.countDocuments()).toBe(0);
    await expect(db.command({ drop: 'uploads' })).rejects.toMatchObject({
      code: 26,
      codeName: 'NamespaceNotFound',
    });
  });

  it('drops a whole database', async () => {
    const db = freshDb();
    await db.collection('a').insertOne({ a: 1 });

    await db.dropDatabase();

    expect(standin.collection(db.databaseName, 'a')).toEqual([]);
    const { databases } = await client.db('admin').admin().listDatabases();
    expect(databases.map((info) => info.name)).not.toContain(db.databaseName);
  });
});
