import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { openDatabase } from './database.ts';
import { onDiskFull } from './disk-full.ts';
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

  it('lets a full disk through as SQLITE_FULL, tells the listeners, and leaves the database usable', async () => {
    const db = await database();
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    // SQLite's own cap on the file: a full disk on demand, without root or a small file system.
    db.exec(`PRAGMA max_page_count = ${pages + 2}`);
    const heard: unknown[] = [];
    onDiskFull(db, (error) => heard.push(error));
    const error = (() => {
      try {
        transaction(db, () =>
          db.exec(
            'INSERT INTO n WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000) SELECT x FROM c',
          ),
        );
      } catch (e) {
        return e;
      }
    })();

    expect(error).toMatchObject({ errcode: 13, message: 'database or disk is full' });
    expect(heard).toEqual([error]);
    expect(db.isTransaction).toBe(false);
    expect(synchronous(db)).toBe(FULL);
    db.exec(`PRAGMA max_page_count = ${pages + 100}`);
    transaction(db, () => db.exec('INSERT INTO n VALUES (7)'));
    expect(db.prepare('SELECT v FROM n').all()).toEqual([{ v: 7 }]);
    db.close();
  });
});
