import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { MongoStandin } from '../support/mongo-standin/index.ts';
import { startMongoStandin } from '../support/mongo-standin/index.ts';

/**
 * Where MongoDB tests write: a real server when MONGODB_URI is set, the wire-protocol stand-in
 * otherwise. Each target gets a database of its own, dropped on close.
 */
export interface MongoTarget {
  uri: string;
  database: string;
  /** Present only for the stand-in: outages need it. */
  standin: MongoStandin | null;
  close(): Promise<void>;
}

export const REAL_MONGODB_URI = process.env.MONGODB_URI || undefined;

export async function openMongoTarget(): Promise<MongoTarget> {
  const database = `driveup_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (REAL_MONGODB_URI) {
    const uri = REAL_MONGODB_URI;
    return { uri, database, standin: null, close: () => dropDatabase(uri, database) };
  }
  const standin = await startMongoStandin();
  return { uri: standin.uri, database, standin, close: () => standin.close() };
}

async function dropDatabase(uri: string, database: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}
