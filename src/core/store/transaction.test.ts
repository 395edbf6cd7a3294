import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { openDatabase } from './database.ts';
import { onDiskFull } from './disk-full.ts';
import { afterCommit, transaction } from './transaction.ts';

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

  it('runs after-commit hooks once the outermost transaction committed, never after a rollback', async () => {
    const db = await database();
    const seen: string[] = [];
    const committed = () => (db.prepare('SELECT count(*) AS n FROM n').get() as { n: number }).n;
    transaction(
      db,
      () => {
        db.exec('INSERT INTO n VALUES (1)');
        // A participant: joins the open transaction, its hook waits for the outer commit.
        transaction(db, () => db.exec('INSERT INTO n VALUES (2)'), {
          afterCommit: () =>
            seen.push(`inner saw ${committed()} rows, in a transaction: ${db.isTransaction}`),
        });
        afterCommit(db, () => seen.push('registered inside'));
        seen.push('fn done');
      },
      { afterCommit: () => seen.push('outer') },
    );
    expect(seen).toEqual([
      'fn done',
      'inner saw 2 rows, in a transaction: false',
      'registered inside',
      'outer',
    ]);

    seen.length = 0;
    expect(() =>
      transaction(
        db,
        () => {
          transaction(db, () => db.exec('INSERT INTO n VALUES (3)'), {
            afterCommit: () => seen.push('inner'),
          });
          throw new Error('rolled back');
        },
        { afterCommit: () => seen.push('outer') },
      ),
    ).toThrow('rolled back');
    expect(seen).toEqual([]);
    expect(committed()).toBe(2);

    // Outside any transaction a hook runs at once.
    afterCommit(db, () => seen.push('now'));
    expect(seen).toEqual(['now']);
    db.close();
  });

  it('never lets a failing hook look like a failed commit', async () => {
    const db = await database();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const later: string[] = [];
    const value = transaction(db, () => {
      db.exec('INSERT INTO n VALUES (1)');
      afterCommit(db, () => {
        throw new Error('a listener broke');
      });
      afterCommit(db, () => later.push('still ran'));
      return 'committed';
    });
    await new Promise((resolve) => process.nextTick(resolve));
    process.off('warning', onWarning);
    expect(value).toBe('committed');
    expect(later).toEqual(['still ran']);
    expect(warnings.join('\n')).toMatch(/a listener broke/);
    db.close();
  });
});
