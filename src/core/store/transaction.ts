import type { DatabaseSync } from 'node:sqlite';
import { reportIfDiskFull } from './disk-full.ts';

export interface TransactionOptions {
  /**
   * false: commit without waiting for the disk (`synchronous = NORMAL` for this commit). Such a
   * commit survives the process being killed, but a power cut before the next durable commit may
   * undo it. Only for commits whose loss is recovered by design; see UploadQueue.#finish.
   */
  durable?: boolean;
}

/**
 * Runs `fn` in one write transaction. IMMEDIATE takes the write lock up front, so two writers
 * never both read and then fail to upgrade (SQLITE_BUSY mid-transaction).
 *
 * The database runs with `synchronous = FULL` (database.ts): a commit returns once it is on disk.
 * In WAL mode that is one fsync of the log, which also makes every earlier relaxed commit durable.
 *
 * Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…) make SQLite roll the transaction back by
 * itself; a ROLLBACK then would fail with "no transaction is active" and hide the real error, so
 * it is sent only while a transaction is still open. A full disk is also reported to whoever
 * listens on this database (disk-full.ts), whatever the caller does with the error.
 */
export function transaction<T>(
  db: DatabaseSync,
  fn: () => T,
  { durable = true }: TransactionOptions = {},
): T {
  if (db.isTransaction) return fn();
  if (!durable) db.exec('PRAGMA synchronous = NORMAL');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } catch (error) {
    reportIfDiskFull(db, error);
    throw error;
  } finally {
    if (!durable) db.exec('PRAGMA synchronous = FULL');
  }
}
