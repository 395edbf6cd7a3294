import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { transaction } from '../store/transaction.ts';
import { HISTORY_COLUMNS, rowValues, storedFromRow } from './history-row.ts';
import type { HistoryRecord } from './history-record.ts';
import type { SearchPlan, StoredRecord } from './search-plan.ts';
import { pageOf, prefixRange } from './search-plan.ts';
import { recordWords } from './search-tokens.ts';
import { firstKeyAt, lastKeyAt, msOfKey } from './sort-key.ts';

/** The longest prefix in the FTS5 table's `prefix` option. */
const INDEXED_PREFIX = 4;
const MAX_EXPANSION = 32;
/** Matches an index may hand out unordered before a scan in table order is the cheaper plan. */
const SORT_AT_MOST = 2000;

interface Where {
  sql: string[];
  params: SQLInputValue[];
}

/**
 * The embedded history: a table and its FTS5 index in the local database. Always on; the source
 * of truth for this machine's records and the outbox's payload.
 */
export class LocalHistory {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #insertWords: StatementSync;
  readonly #lastKeyIn: StatementSync;
  readonly #byId: StatementSync;
  readonly #deleteById: StatementSync;
  readonly #deleteWords: StatementSync;
  readonly #addWord: StatementSync;
  readonly #wordsFrom: StatementSync;
  readonly #setTrashed: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const placeholders = HISTORY_COLUMNS.map(() => '?').join(', ');
    this.#insert = db.prepare(
      `INSERT INTO history (${HISTORY_COLUMNS.join(', ')}) VALUES (${placeholders})`,
    );
    this.#insertWords = db.prepare('INSERT INTO history_fts (rowid, words) VALUES (?, ?)');
    this.#lastKeyIn = db.prepare(
      'SELECT max(sort_key) AS key FROM history WHERE sort_key BETWEEN ? AND ?',
    );
    this.#byId = db.prepare('SELECT * FROM history WHERE id = ?');
    this.#deleteById = db.prepare('DELETE FROM history WHERE id = ? RETURNING sort_key');
    this.#deleteWords = db.prepare('DELETE FROM history_fts WHERE rowid = ?');
    this.#addWord = db.prepare('INSERT OR IGNORE INTO history_words (word) VALUES (?)');
    this.#wordsFrom = db.prepare(
      'SELECT word FROM history_words WHERE word >= ? AND word < ? ORDER BY word LIMIT ?',
    );
    this.#setTrashed = db.prepare(
      'UPDATE history SET trashed_at = ? WHERE id = ? AND trashed_at IS NULL',
    );
  }

  /**
   * Adds a record, replacing an earlier one with the same id (a job run again). Synchronous, so it
   * can run inside the transaction that finishes the job.
   */
  insert(record: HistoryRecord): StoredRecord {
    return transaction(this.#db, () => {
      this.#remove(record.id);
      const sortKey = this.#freeKey(record.finishedAt.getTime());
      // Only if 1024 records finished in one ms does a record move to the next ms; the stored
      // time follows, so finished time and sort key never disagree.
      const finishedAt = new Date(msOfKey(sortKey));
      const stored = { sortKey, record: { ...record, finishedAt } };
      this.#insert.run(...rowValues(stored.record, sortKey));
      const words = recordWords(record);
      this.#insertWords.run(sortKey, words.join(' '));
      for (const word of words) this.#addWord.run(word);
      return stored;
    });
  }

  /** Notes that the upload went to Drive's trash (kept at the first time when said twice). */
  markTrashed(id: string, at: Date): StoredRecord | null {
    this.#setTrashed.run(at.getTime(), id);
    return this.get(id);
  }

  get(id: string): StoredRecord | null {
    const row = this.#byId.get(id);
    return row ? storedFromRow(row) : null;
  }

  search(plan: SearchPlan) {
    const where = whereOf(plan);
    return pageOf(this.#select(plan, where), plan.limit);
  }

  /** Removes the records finished before `before` (all when null); returns how many. */
  clear(before: Date | null): number {
    return transaction(this.#db, () => {
      if (before === null) {
        this.#db.exec(`INSERT INTO history_fts (history_fts) VALUES ('delete-all')`);
        this.#db.exec('DELETE FROM history_words');
        return Number(this.#db.prepare('DELETE FROM history').run().changes);
      }
      const key = firstKeyAt(before.getTime());
      this.#db.prepare('DELETE FROM history_fts WHERE rowid < ?').run(key);
      return Number(this.#db.prepare('DELETE FROM history WHERE sort_key < ?').run(key).changes);
    });
  }

  count(): number {
    return Number(this.#db.prepare('SELECT count(*) AS n FROM history').get()?.n ?? 0);
  }

  #remove(id: string): void {
    const removed = this.#deleteById.get(id);
    if (removed) this.#deleteWords.run(Number(removed.sort_key));
  }

  #freeKey(ms: number): number {
    for (let at = ms; ; at++) {
      const taken = this.#lastKeyIn.get(firstKeyAt(at), lastKeyAt(at))?.key;
      if (taken === null || taken === undefined) return firstKeyAt(at);
      if (Number(taken) < lastKeyAt(at)) return Number(taken) + 1;
    }
  }

  /** FTS5 syntax: every word quoted (words are letters and digits only), the last a prefix. */
  #matchExpression(text: NonNullable<SearchPlan['text']>): string {
    const whole = text.whole.map((word) => `"${word}"`);
    return [...whole, this.#prefixExpression(text.prefix)].join(' AND ');
  }

  /**
   * Up to 4 letters FTS5 has a prefix index; a longer prefix covering few words becomes an OR of
   * those words, read lazily (see the migration); one covering many keeps FTS5's own prefix.
   */
  #prefixExpression(prefix: string): string {
    if (Array.from(prefix).length <= INDEXED_PREFIX) return `"${prefix}"*`;
    const { gte, lt } = prefixRange(prefix);
    const words = this.#wordsFrom.all(gte, lt, MAX_EXPANSION + 1).map((row) => String(row.word));
    if (words.length === 0 || words.length > MAX_EXPANSION) return `"${prefix}"*`;
    return `(${words.map((word) => `"${word}"`).join(' OR ')})`;
  }

  /**
   * An index gives newest-first order only for one value of its column. A range (folder and
   * subfolders, a MIME family) or several values read through the index must sort every match
   * before the first page: fine for a few thousand, not for half the history. Then walking the
   * table newest first and skipping non-matches stops sooner; a bounded count tells which case
   * this is.
   */
  #commonUnorderedFilter(plan: SearchPlan, where: Where): boolean {
    if (where.sql.length === 0 || hasOrderedEquality(plan)) return false;
    const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM history AS h WHERE ${where.sql.join(' AND ')} LIMIT ${SORT_AT_MOST})`;
    return Number(this.#db.prepare(sql).get(...where.params)?.n) >= SORT_AT_MOST;
  }

  /**
   * With text, FTS5 drives the loop (CROSS JOIN pins it outermost) and yields rowids newest
   * first, so LIMIT stops it after a page even for a word in every record; the filters are checked
   * on each hit by primary key. Without text, SQLite walks a filter's index (which ends in the
   * rowid) or the table itself backwards.
   */
  #select(plan: SearchPlan, where: Where): StoredRecord[] {
    const key = plan.text ? 'f.rowid' : 'h.sort_key';
    const from = plan.text
      ? 'history_fts AS f CROSS JOIN history AS h ON h.sort_key = f.rowid'
      : this.#commonUnorderedFilter(plan, where)
        ? 'history AS h NOT INDEXED'
        : 'history AS h';
    const conditions = [...keyConditions(plan, key), ...where.sql];
    const params = [...keyParams(plan), ...where.params];
    if (plan.text) {
      conditions.unshift('history_fts MATCH ?');
      params.unshift(this.#matchExpression(plan.text));
    }
    const sql =
      `SELECT h.* FROM ${from}` +
      (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '') +
      ` ORDER BY ${key} DESC LIMIT ?`;
    return this.#db
      .prepare(sql)
      .all(...params, plan.limit + 1)
      .map(storedFromRow);
  }
}

function keyConditions(plan: SearchPlan, key: string): string[] {
  const sql: string[] = [];
  if (plan.minKey !== null) sql.push(`${key} >= ?`);
  if (plan.maxKey !== null) sql.push(`${key} < ?`);
  // The `<=` bound is what an index or FTS5 can seek to; the OR settles ties between machines.
  if (plan.after) sql.push(`${key} <= ?`, `(${key} < ? OR h.id < ?)`);
  return sql;
}

function keyParams(plan: SearchPlan): SQLInputValue[] {
  const params: SQLInputValue[] = [];
  if (plan.minKey !== null) params.push(plan.minKey);
  if (plan.maxKey !== null) params.push(plan.maxKey);
  if (plan.after) params.push(plan.after.sortKey, plan.after.sortKey, plan.after.id);
  return params;
}

function whereOf(plan: SearchPlan): Where {
  const where: Where = { sql: [], params: [] };
  const add = (sql: string, ...params: SQLInputValue[]) => {
    where.sql.push(sql);
    where.params.push(...params);
  };
  if (plan.statuses) add(`h.status IN (${marks(plan.statuses)})`, ...plan.statuses);
  if (plan.sources) add(`h.source IN (${marks(plan.sources)})`, ...plan.sources);
  if (plan.machine !== null) add('h.machine = ?', plan.machine);
  if (plan.folder) {
    const { exact, below } = plan.folder;
    add(
      '(h.folder_path = ? OR (h.folder_path >= ? AND h.folder_path < ?))',
      exact,
      below.gte,
      below.lt,
    );
  }
  if (plan.extension !== null) add('h.extension = ?', plan.extension);
  if (plan.mimeType && 'exact' in plan.mimeType) add('h.mime_type = ?', plan.mimeType.exact);
  if (plan.mimeType && 'family' in plan.mimeType) {
    add('h.mime_type >= ? AND h.mime_type < ?', plan.mimeType.family.gte, plan.mimeType.family.lt);
  }
  return where;
}

/** A filter on one value of an indexed column: its index yields matches newest first. */
function hasOrderedEquality(plan: SearchPlan): boolean {
  return (
    plan.statuses?.length === 1 ||
    plan.sources?.length === 1 ||
    plan.machine !== null ||
    plan.extension !== null ||
    (plan.mimeType !== null && 'exact' in plan.mimeType)
  );
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
