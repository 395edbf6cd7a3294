import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { DatabaseError, openDatabase } from './database.ts';
import type { Migration } from './migration.ts';

const tempDir = useTempDir();

const steps: Migration[] = [
  { version: 1, name: 'one', up: 'CREATE TABLE a (id INTEGER PRIMARY KEY) STRICT;' },
  {
    version: 2,
    name: 'two',
    up: 'CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id)) STRICT;',
  },
];

describe('openDatabase', () => {
  it('creates the file in WAL mode with foreign keys on and every migration recorded', async () => {
    const file = join(await tempDir(), 'data', 'driveup.db');
    const db = openDatabase(file, { migrations: steps });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    expect(() => db.prepare('INSERT INTO b (id, a_id) VALUES (1, 42)').run()).toThrow(
      /FOREIGN KEY/,
    );
    db.close();
  });

  it('keeps the database and its WAL files to their owner', async () => {
    const file = join(await tempDir(), 'data', 'driveup.db');
    const db = openDatabase(file, { migrations: steps });
    db.prepare('INSERT INTO a (id) VALUES (1)').run();
    for (const name of [file, `${file}-wal`, `${file}-shm`]) {
      expect({ name, mode: (await stat(name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    }
    db.close();
  });

  it('applies only the migrations a file has not run yet', async () => {
    const file = join(await tempDir(), 'driveup.db');
    openDatabase(file, { migrations: steps.slice(0, 1) }).close();
    const db = openDatabase(file, { migrations: steps });
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all();
    expect(tables.map((t) => t.name)).toEqual(['a', 'b']);
    db.close();
  });

  it('rolls a failing migration back whole and leaves the version where it was', async () => {
    const file = join(await tempDir(), 'driveup.db');
    openDatabase(file, { migrations: steps.slice(0, 1) }).close();
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up: 'CREATE TABLE c (x); SELECT * FROM missing;',
    };
    expect(() => openDatabase(file, { migrations: [steps[0]!, broken] })).toThrow(/missing/);
    const db = openDatabase(file, { migrations: steps.slice(0, 1) });
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'c'").get()).toEqual({
      n: 0,
    });
    db.close();
  });

  it('refuses a database written by a newer DriveUp and leaves it untouched', async () => {
    const file = join(await tempDir(), 'driveup.db');
    openDatabase(file, { migrations: steps }).close();
    const before = await readFile(file);
    const error = (() => {
      try {
        openDatabase(file, { migrations: steps.slice(0, 1) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).reason).toBe('too-new');
    expect((error as Error).message).toMatch(/newer DriveUp.*schema 2.*up to 1/);
    expect(await readFile(file)).toEqual(before);
  });

  it('refuses a damaged file with a clear message and leaves it untouched', async () => {
    const file = join(await tempDir(), 'driveup.db');
    const garbage = Buffer.alloc(8192, 'not a database ');
    await writeFile(file, garbage);
    expect(() => openDatabase(file, { migrations: steps })).toThrow(/damaged.*left it untouched/);
    expect(await readFile(file)).toEqual(garbage);
  });

  it('refuses migrations that are not numbered 1, 2, 3…', async () => {
    const file = join(await tempDir(), 'driveup.db');
    expect(() => openDatabase(file, { migrations: [steps[1]!] })).toThrow(/expected 1/);
  });
});
