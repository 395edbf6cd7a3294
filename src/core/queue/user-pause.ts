import type { DatabaseSync } from 'node:sqlite';

const KEY = 'queue.pausedByUser';

/**
 * A person's pause, kept in the database's `meta` table so that it outlasts a restart: someone who
 * paused uploads on a metered link must not find them running again after a reboot. Pauses the
 * agent takes itself (sign-in, network) are not kept; they are found again at start.
 */
export class UserPause {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * undefined when the queue was not paused; else what the person said when pausing it (null
   * when nothing).
   */
  load(): string | null | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(KEY) as
      { value: string } | undefined;
    if (!row) return undefined;
    return row.value === '' ? null : row.value;
  }

  save(note: string | null): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(KEY, note ?? '');
  }

  clear(): void {
    this.#db.prepare('DELETE FROM meta WHERE key = ?').run(KEY);
  }
}
