import type { DatabaseSync } from 'node:sqlite';
import { transaction } from './transaction.ts';

/**
 * Makes every commit so far durable: a small write committed with `synchronous = FULL`, whose
 * fsync of the write-ahead log also covers the relaxed commits before it (transaction.ts). An
 * empty transaction would not do: SQLite writes (and syncs) nothing for it.
 */
export function commitDurably(db: DatabaseSync): void {
  transaction(db, () => {
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('store.durable', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(String(Date.now()));
  });
}
