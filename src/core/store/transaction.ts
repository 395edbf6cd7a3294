import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `fn` in one write transaction. IMMEDIATE takes the write lock up front, so two writers
 * never both read and then fail to upgrade (SQLITE_BUSY mid-transaction).
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
