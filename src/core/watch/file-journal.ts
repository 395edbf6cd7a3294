import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { commitDurably } from '../store/durable-commit.ts';
import { transaction } from '../store/transaction.ts';
import { isHandled, type Version } from './journal-decisions.ts';

/**
 * settling: waiting in the stability gate · queued: handed to the queue as `jobId` ·
 * uploaded / failed / cancelled: what the queue reported for the last job.
 */
export type JournalState = 'settling' | 'queued' | 'uploaded' | 'failed' | 'cancelled';

export interface JournalEntry {
  /** Relative to the rule's folder, `/`-separated. */
  path: string;
  /** The version last seen settling or queued. */
  size: number;
  mtimeMs: number;
  state: JournalState;
  jobId: string | null;
  /** The version Drive holds: never queued again while the file still has it. */
  uploadedSize: number | null;
  uploadedMtimeMs: number | null;
}

interface JournalRow {
  path: string;
  size: number;
  mtime_ms: number;
  state: JournalState;
  job_id: string | null;
  uploaded_size: number | null;
  uploaded_mtime_ms: number | null;
  missing_since: number | null;
}

/**
 * One rule's journal: read once into memory, so a rescan of 10,000 files compares in memory and
 * writes only what changed, in one transaction per batch.
 *
 * Writes do not wait for the disk unless asked to: every other commit of the journal is one a
 * power cut may undo harmlessly, because the queue answers an unchanged file with the job it
 * already has (see watch-sink.ts), so a file whose record was lost is offered again and never
 * uploaded twice. Each wait for the disk held the event loop for ~5 ms, once per finished upload.
 */
export class FileJournal {
  readonly #db: DatabaseSync;
  readonly #ruleId: string;
  #entries: Map<string, JournalEntry> | undefined;
  /** Paths a scan found gone, and since when (epoch ms): see `noteMissing`. */
  #missing = new Map<string, number>();
  #upsert: StatementSync | undefined;
  #delete: StatementSync | undefined;
  #setMissing: StatementSync | undefined;
  #counts: StatementSync | undefined;
  #peek: StatementSync | undefined;

  constructor(db: DatabaseSync, ruleId: string) {
    this.#db = db;
    this.#ruleId = ruleId;
  }

  /** How many paths the journal holds. */
  get size(): number {
    return this.#map().size;
  }

  get(path: string): JournalEntry | undefined {
    return this.#map().get(path);
  }

  /** The entry, from memory once the journal is loaded and from the database until then. */
  peek(path: string): JournalEntry | undefined {
    if (this.#entries) return this.#entries.get(path);
    this.#peek ??= this.#db.prepare(
      `SELECT path, size, mtime_ms, state, job_id, uploaded_size, uploaded_mtime_ms, missing_since
       FROM watch_journal WHERE rule_id = ? AND path = ?`,
    );
    const row = this.#peek.get(this.#ruleId, path) as JournalRow | undefined;
    return row && fromRow(row);
  }

  /** The journal alone keeps this version of the file from being queued again. */
  covers(path: string, version: Version): boolean {
    return isHandled(this.peek(path), version);
  }

  entries(): IterableIterator<JournalEntry> {
    return this.#map().values();
  }

  /**
   * Writes the entries in one transaction, or as part of the one open (the commit finishing a
   * job). The in-memory copy follows once they are committed, so a rollback leaves it as the
   * table is; `committed` runs then too.
   */
  write(entries: readonly JournalEntry[], committed?: () => void): void {
    if (!entries.length) return void committed?.();
    const map = this.#map();
    this.#upsert ??= this.#db.prepare(
      `INSERT INTO watch_journal (rule_id, path, size, mtime_ms, state, job_id, uploaded_size,
         uploaded_mtime_ms, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, path) DO UPDATE SET size = excluded.size,
         mtime_ms = excluded.mtime_ms, state = excluded.state, job_id = excluded.job_id,
         uploaded_size = excluded.uploaded_size, uploaded_mtime_ms = excluded.uploaded_mtime_ms,
         updated_at = excluded.updated_at, missing_since = NULL, removed_after_upload = 0`,
    );
    const upsert = this.#upsert;
    const now = Date.now();
    transaction(
      this.#db,
      () => {
        for (const e of entries) {
          upsert.run(
            this.#ruleId,
            e.path,
            e.size,
            e.mtimeMs,
            e.state,
            e.jobId,
            e.uploadedSize,
            e.uploadedMtimeMs,
            now,
          );
        }
      },
      {
        durable: false,
        afterCommit: () => {
          for (const entry of entries) {
            map.set(entry.path, entry);
            this.#missing.delete(entry.path);
          }
          committed?.();
        },
      },
    );
  }

  /** Makes what the journal recorded so far durable (see WatchService's after-upload actions). */
  syncDurably(): void {
    commitDurably(this.#db);
  }

  remove(paths: readonly string[]): void {
    if (!paths.length) return;
    this.#delete ??= this.#db.prepare('DELETE FROM watch_journal WHERE rule_id = ? AND path = ?');
    const remove = this.#delete;
    transaction(
      this.#db,
      () => {
        for (const path of paths) remove.run(this.#ruleId, path);
      },
      { durable: false },
    );
    for (const path of paths) {
      this.#entries?.delete(path);
      this.#missing.delete(path);
    }
  }

  /**
   * A scan that listed the files' folders found these gone: remembered with the time, so that a
   * file gone long enough can be forgotten (see `missingBefore`), and a file that comes back
   * meanwhile, unchanged, is still known as uploaded. Already missing ones keep their time.
   */
  noteMissing(paths: readonly string[], now: number): void {
    this.#map();
    this.#mark(
      paths.filter((path) => !this.#missing.has(path)),
      now,
    );
  }

  /** Back (or never gone: the folder was unreadable for a while). */
  notePresent(paths: readonly string[]): void {
    this.#map();
    this.#mark(
      paths.filter((path) => this.#missing.has(path)),
      null,
    );
  }

  /** Paths found missing (see noteMissing); usually none. */
  missingPaths(): IterableIterator<string> {
    this.#map();
    return this.#missing.keys();
  }

  /** The rule's after-upload action moved or deleted the file: gone from now on, by our hand. */
  noteRemovedAfterUpload(path: string, now: number): void {
    this.#map();
    this.#db
      .prepare(
        `UPDATE watch_journal SET missing_since = ?, removed_after_upload = 1
         WHERE rule_id = ? AND path = ?`,
      )
      .run(now, this.#ruleId, path);
    this.#missing.set(path, now);
  }

  /** Files found gone before `time`, read from the database (the map may not be loaded). */
  missingBefore(time: number): Array<{ path: string; removedAfterUpload: boolean }> {
    const rows = this.#db
      .prepare(
        `SELECT path, removed_after_upload FROM watch_journal
         WHERE rule_id = ? AND missing_since IS NOT NULL AND missing_since < ?`,
      )
      .all(this.#ruleId, time) as Array<{ path: string; removed_after_upload: number }>;
    return rows.map((row) => ({
      path: row.path,
      removedAfterUpload: row.removed_after_upload === 1,
    }));
  }

  #mark(paths: readonly string[], since: number | null): void {
    if (!paths.length) return;
    this.#setMissing ??= this.#db.prepare(
      `UPDATE watch_journal SET missing_since = ?1,
         removed_after_upload = CASE WHEN ?1 IS NULL THEN 0 ELSE removed_after_upload END
       WHERE rule_id = ?2 AND path = ?3`,
    );
    const update = this.#setMissing;
    transaction(
      this.#db,
      () => {
        for (const path of paths) update.run(since, this.#ruleId, path);
      },
      { durable: false },
    );
    for (const path of paths) {
      if (since === null) this.#missing.delete(path);
      else this.#missing.set(path, since);
    }
  }

  counts(): Record<JournalState, number> & { total: number } {
    const counts = { settling: 0, queued: 0, uploaded: 0, failed: 0, cancelled: 0, total: 0 };
    this.#counts ??= this.#db.prepare(
      'SELECT state, count(*) AS n FROM watch_journal WHERE rule_id = ? GROUP BY state',
    );
    const rows = this.#counts.all(this.#ruleId) as Array<{ state: JournalState; n: number }>;
    for (const row of rows) {
      counts[row.state] = row.n;
      counts.total += row.n;
    }
    return counts;
  }

  #map(): Map<string, JournalEntry> {
    this.#entries ??= this.#load();
    return this.#entries;
  }

  #load(): Map<string, JournalEntry> {
    const rows = this.#db
      .prepare(
        `SELECT path, size, mtime_ms, state, job_id, uploaded_size, uploaded_mtime_ms,
           missing_since
         FROM watch_journal WHERE rule_id = ?`,
      )
      .all(this.#ruleId) as unknown as JournalRow[];
    this.#missing.clear();
    for (const row of rows) {
      if (row.missing_since !== null) this.#missing.set(row.path, row.missing_since);
    }
    return new Map(rows.map((row) => [row.path, fromRow(row)]));
  }
}

function fromRow(row: JournalRow): JournalEntry {
  return {
    path: row.path,
    size: row.size,
    mtimeMs: row.mtime_ms,
    state: row.state,
    jobId: row.job_id,
    uploadedSize: row.uploaded_size,
    uploadedMtimeMs: row.uploaded_mtime_ms,
  };
}
