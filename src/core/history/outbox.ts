import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { transaction } from '../store/transaction.ts';
import { storedFromRow } from './history-row.ts';
import type { StoredRecord } from './search-plan.ts';
import { firstKeyAt } from './sort-key.ts';

export type OutboxEntry =
  | { seq: number; kind: 'upsert'; stored: StoredRecord }
  | { seq: number; kind: 'clear'; machine: string; before: Date | null };

/**
 * What MongoDB has not acknowledged yet, in the local database, so that it survives restarts and
 * outages. Entries leave only when MongoDB has acknowledged them; sending one twice is harmless
 * because every write is an upsert or a delete keyed by what it names.
 */
export class Outbox {
  readonly #db: DatabaseSync;
  readonly #dropPending: StatementSync;
  readonly #addUpsert: StatementSync;
  readonly #addClear: StatementSync;
  readonly #next: StatementSync;
  readonly #ack: StatementSync;
  readonly #fail: StatementSync;
  readonly #count: StatementSync;
  readonly #lastRefusal: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#dropPending = db.prepare(
      `DELETE FROM history_outbox WHERE kind = 'upsert' AND record_id = ?`,
    );
    this.#addUpsert = db.prepare(
      `INSERT INTO history_outbox (kind, record_id) VALUES ('upsert', ?)`,
    );
    this.#addClear = db.prepare(
      `INSERT INTO history_outbox (kind, machine, before_ms) VALUES ('clear', ?, ?)`,
    );
    // LEFT JOIN: an upsert whose record is gone (cleared meanwhile) still comes out, to be acked.
    // Records MongoDB refused (last_error set) wait aside until `retryRefused()`.
    this.#next = db.prepare(
      `SELECT o.seq AS seq, o.kind AS kind, o.machine AS clear_machine, o.before_ms, h.*
         FROM history_outbox AS o LEFT JOIN history AS h ON h.id = o.record_id
        WHERE o.last_error IS NULL
        ORDER BY o.seq LIMIT ?`,
    );
    this.#ack = db.prepare('DELETE FROM history_outbox WHERE seq = ?');
    this.#fail = db.prepare(
      'UPDATE history_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?',
    );
    // One pass over the table for every figure status shows.
    this.#count = db.prepare(
      `SELECT count(*) FILTER (WHERE last_error IS NULL) AS waiting,
              count(*) FILTER (WHERE last_error IS NOT NULL) AS refused,
              count(*) FILTER (WHERE kind = 'upsert') AS records
         FROM history_outbox`,
    );
    this.#lastRefusal = db.prepare(
      'SELECT last_error FROM history_outbox WHERE last_error IS NOT NULL ORDER BY seq DESC LIMIT 1',
    );
  }

  /** One pending upsert per record: the newest version is read when it is sent. */
  enqueueUpsert(recordId: string): void {
    this.#dropPending.run(recordId);
    this.#addUpsert.run(recordId);
  }

  enqueueClear(machine: string, before: Date | null): void {
    this.#addClear.run(machine, before?.getTime() ?? null);
  }

  /** Pending upserts of records about to be cleared would otherwise bring them back. */
  dropUpserts(before: Date | null): void {
    if (before === null) {
      this.#db.exec(`DELETE FROM history_outbox WHERE kind = 'upsert'`);
      return;
    }
    this.#db
      .prepare(
        `DELETE FROM history_outbox WHERE kind = 'upsert'
           AND record_id IN (SELECT id FROM history WHERE sort_key < ?)`,
      )
      .run(firstKeyAt(before.getTime()));
  }

  /** The oldest entries, in the order they were written. */
  next(limit: number): Array<OutboxEntry | { seq: number; kind: 'orphan' }> {
    return this.#next.all(limit).map((row) => {
      const seq = Number(row.seq);
      if (row.kind === 'clear') {
        const before = row.before_ms === null ? null : new Date(Number(row.before_ms));
        return { seq, kind: 'clear', machine: String(row.clear_machine), before };
      }
      if (row.id === null) return { seq, kind: 'orphan' };
      return { seq, kind: 'upsert', stored: storedFromRow(row) };
    });
  }

  ack(seqs: readonly number[]): void {
    transaction(this.#db, () => seqs.forEach((seq) => this.#ack.run(seq)));
  }

  /** MongoDB refused this entry (a validator, a unique index, a size limit): set it aside. */
  fail(seq: number, error: string): void {
    this.#fail.run(error, seq);
  }

  /** Puts refused entries back in line (at start, on a retry, for another server). */
  retryRefused(): void {
    this.#db.exec('UPDATE history_outbox SET last_error = NULL WHERE last_error IS NOT NULL');
  }

  /**
   * `waiting`: entries to send; `refused`: entries MongoDB refused, set aside; `records`: this
   * machine's records not in MongoDB yet, whichever of the two they are.
   */
  counts(): { waiting: number; refused: number; records: number } {
    const row = this.#count.get();
    return {
      waiting: Number(row?.waiting ?? 0),
      refused: Number(row?.refused ?? 0),
      records: Number(row?.records ?? 0),
    };
  }

  waiting(): number {
    return this.counts().waiting;
  }

  /** Why MongoDB refused the newest refused entry, or null. */
  lastRefusal(): string | null {
    const row = this.#lastRefusal.get();
    return row ? String(row.last_error) : null;
  }
}
