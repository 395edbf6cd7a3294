import type { DatabaseSync } from 'node:sqlite';
import { reportIfDiskFull } from './disk-full.ts';

export interface TransactionOptions {
  /**
   * false: commit without waiting for the disk (`synchronous = NORMAL` for this commit). Such a
   * commit survives the process being killed, but a power cut before the next durable commit may
   * undo it. Only for commits whose loss is recovered by design; see the queue's outcome-recorder.
   */
  durable?: boolean;
  /** Runs once the outermost transaction has committed; never when it rolls back. */
  afterCommit?: () => void;
}

/** The transaction open on a connection: what runs once it commits. */
interface OpenTransaction {
  afterCommit: Array<() => void>;
}

const open = new WeakMap<DatabaseSync, OpenTransaction>();

/**
 * Runs `fn` in one write transaction. IMMEDIATE takes the write lock up front, so two writers
 * never both read and then fail to upgrade (SQLITE_BUSY mid-transaction).
 *
 * Called inside another transaction, `fn` joins it (a participant): its writes commit or roll
 * back with the outer ones, and its `afterCommit` waits for the outer commit. That is how the
 * history record and the watch journal become part of the commit that finishes a job, and why
 * events are announced only once what they say is committed (`afterCommit` below).
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
  { durable = true, afterCommit: hook }: TransactionOptions = {},
): T {
  if (db.isTransaction) {
    const result = fn();
    if (hook) afterCommit(db, hook);
    return result;
  }
  if (!durable) db.exec('PRAGMA synchronous = NORMAL');
  const current: OpenTransaction = { afterCommit: [] };
  let result: T;
  try {
    db.exec('BEGIN IMMEDIATE');
    open.set(db, current);
    try {
      result = fn();
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    } finally {
      open.delete(db);
    }
  } catch (error) {
    reportIfDiskFull(db, error);
    throw error;
  } finally {
    if (!durable) db.exec('PRAGMA synchronous = FULL');
  }
  if (hook) current.afterCommit.push(hook);
  runHooks(current.afterCommit);
  return result!;
}

/**
 * Runs `hook` once what was written so far is committed: at the end of the transaction open on
 * `db` (dropped if it rolls back), or now when none is. Events go through here, so that a
 * subscriber who reads the database on an event finds what the event says.
 */
export function afterCommit(db: DatabaseSync, hook: () => void): void {
  const current = open.get(db);
  if (current) current.afterCommit.push(hook);
  else hook();
}

/**
 * Every hook runs, whatever another one throws, and the caller never sees a hook fail: what it
 * wrote is committed, and an exception would make it believe otherwise (the queue would retry an
 * upload that is done). Hooks handle their own errors; one that does not is a bug, said as a
 * process warning rather than lost.
 */
function runHooks(hooks: ReadonlyArray<() => void>): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch (error) {
      process.emitWarning(
        `An after-commit hook failed: ${(error as Error)?.stack ?? String(error)}`,
      );
    }
  }
}
