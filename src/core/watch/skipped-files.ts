import type { DatabaseSync } from 'node:sqlite';
import type { SkippedPath } from '../queue/skipped-path.ts';
import { transaction } from '../store/transaction.ts';

/**
 * What one rule found and left out (symbolic links, FIFOs, DriveUp's own files), with the reason:
 * kept in the database so a person can see why a file in the folder was never uploaded. Read once
 * into memory, like the journal; a rescan writes only what changed.
 */
export class SkippedFiles {
  readonly #db: DatabaseSync;
  readonly #ruleId: string;
  #entries: Map<string, SkippedPath> | undefined;

  constructor(db: DatabaseSync, ruleId: string) {
    this.#db = db;
    this.#ruleId = ruleId;
  }

  get size(): number {
    return this.#map().size;
  }

  has(path: string): boolean {
    return this.#map().has(path);
  }

  /** Every skipped path (relative to the rule's folder), in path order. */
  list(): SkippedPath[] {
    return [...this.#map().values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  paths(): IterableIterator<string> {
    return this.#map().keys();
  }

  /** Records what is skipped now; returns the entries that are new or skipped for a new reason. */
  record(skipped: readonly SkippedPath[]): SkippedPath[] {
    const map = this.#map();
    const fresh = skipped.filter((s) => {
      const known = map.get(s.path);
      return known?.reason !== s.reason || known.message !== s.message;
    });
    if (!fresh.length) return [];
    const upsert = this.#db.prepare(
      `INSERT INTO watch_skipped (rule_id, path, reason, message, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, path) DO UPDATE SET reason = excluded.reason,
         message = excluded.message, updated_at = excluded.updated_at`,
    );
    const now = Date.now();
    transaction(this.#db, () => {
      for (const s of fresh) upsert.run(this.#ruleId, s.path, s.reason, s.message, now);
    });
    for (const s of fresh) map.set(s.path, s);
    return fresh;
  }

  /** Forgets paths that are gone or no longer skipped. */
  remove(paths: readonly string[]): void {
    const map = this.#map();
    const known = paths.filter((path) => map.has(path));
    if (!known.length) return;
    const remove = this.#db.prepare('DELETE FROM watch_skipped WHERE rule_id = ? AND path = ?');
    transaction(this.#db, () => {
      for (const path of known) remove.run(this.#ruleId, path);
    });
    for (const path of known) map.delete(path);
  }

  clear(): void {
    this.#db.prepare('DELETE FROM watch_skipped WHERE rule_id = ?').run(this.#ruleId);
    this.#entries = new Map();
  }

  #map(): Map<string, SkippedPath> {
    if (!this.#entries) {
      const rows = this.#db
        .prepare('SELECT path, reason, message FROM watch_skipped WHERE rule_id = ?')
        .all(this.#ruleId) as unknown as SkippedPath[];
      this.#entries = new Map(rows.map((row) => [row.path, { ...row }]));
    }
    return this.#entries;
  }
}
