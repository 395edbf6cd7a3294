import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { openDatabase } from './database.ts';
import { transaction } from './transaction.ts';

const tempDir = useTempDir();
const FULL = 2;

async function database(): Promise<DatabaseSync> {
  const db = openDatabase(join(await tempDir(), 'driveup.db'), {
    migrations: [{ version: 1, name: 'n', up: 'CREATE TABLE n (v INTEGER) STRICT;' }],
  });
  return db;
}

const synchronous = (db: DatabaseSync) =>
  (db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;

describe('transaction', () => {
  it('commits everything or, when fn throws, nothing', async () => {
    const db = await database();
    transaction(db, () => db.exec('INSERT INTO n VALUES (1)'));
    expect(() =>
      transaction(db, () => {
        db.exec('INSERT INTO n VALUES (2)');
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(db.prepare('SELECT v FROM n').all()).toEqual([{ v: 1 }]);
    db.close();
  });

  it('relaxes only its own commit: the database is back to synchronous=FULL, even after a throw', async () => {
    const db = await database();
    expect(synchronous(db)).toBe(FULL);
    let during = -1;
    transaction(db, () => (during = synchronous(db)), { durable: false });
    expect(during).toBe(1);
    expect(synchronous(db)).toBe(FULL);
    expect(() =>
      transaction(
        db,
        () => {
          throw new Error('no');
        },
        { durable: false },
      ),
    ).toThrow('no');
    expect(synchronous(db)).toBe(FULL);
    db.close();
  });
});
