import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Migration } from './migration.ts';
import { transaction } from './transaction.ts';

/** The local database cannot be used as it is. DriveUp leaves the file exactly as it found it. */
export class DatabaseError extends Error {
  readonly file: string;
  readonly reason: 'damaged' | 'too-new';

  constructor(file: string, reason: 'damaged' | 'too-new', message: string) {
    super(message);
    this.name = 'DatabaseError';
    this.file = file;
    this.reason = reason;
  }
}

export interface OpenDatabaseOptions {
  /**
   * The schema's steps, in order. The store knows no feature: the composition root hands it every
   * feature's migrations (src/core/migrations.ts), so that no table's owner is imported from here.
   */
  migrations: readonly Migration[];
  busyTimeoutMs?: number;
  /** SQLite's max_page_count for this connection: writes beyond it fail with SQLITE_FULL. */
  maxPageCount?: number;
}

/**
 * Opens (creating when missing) the local database: WAL so readers never block the writer,
 * foreign keys on, synchronous=FULL because the queue's promise is that nothing is lost across a
 * crash or power cut, and every migration the file has not run yet.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions): DatabaseSync {
  const { migrations } = options;
  assertNumberedInOrder(migrations);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    // Owner only, before the first write: SQLite gives the -wal and -shm files the database's mode.
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    const version = readUserVersion(db, file);
    const latest = migrations.at(-1)?.version ?? 0;
    if (version > latest) throw tooNew(file, version, latest);
    configure(db);
    migrate(db, migrations, version);
    // A number from our own options; PRAGMA takes no bound parameters.
    if (options.maxPageCount)
      db.exec(`PRAGMA max_page_count = ${Math.trunc(options.maxPageCount)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Reading the header first is how a damaged or foreign file is caught before anything writes. */
function readUserVersion(db: DatabaseSync, file: string): number {
  try {
    const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return row.user_version;
  } catch (error) {
    throw damaged(file, error);
  }
}

function configure(db: DatabaseSync): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
}

function migrate(db: DatabaseSync, migrations: readonly Migration[], from: number): void {
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    transaction(db, () => {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      // PRAGMA takes no bound parameters; the version is a number from our own code.
      db.exec(`PRAGMA user_version = ${Math.trunc(migration.version)}`);
    });
  }
}

function assertNumberedInOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migration "${migration.name}" is numbered ${migration.version}; expected ${index + 1}`,
      );
    }
  });
}

function damaged(file: string, cause: unknown): DatabaseError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DatabaseError(
    file,
    'damaged',
    `The local database ${file} is damaged or is not a DriveUp database (${detail}). ` +
      'DriveUp left it untouched. Restore it from a backup, or move it aside to start with an empty queue and history.',
  );
}

function tooNew(file: string, version: number, latest: number): DatabaseError {
  return new DatabaseError(
    file,
    'too-new',
    `The local database ${file} was written by a newer DriveUp (schema ${version}; this version knows up to ${latest}). ` +
      'DriveUp left it untouched. Install the newer DriveUp again, or move the file aside to start afresh.',
  );
}
