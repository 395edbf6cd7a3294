import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { transaction } from '../store/transaction.ts';

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
  #upsert: StatementSync | undefined;
  #delete: StatementSync | undefined;

  constructor(db: DatabaseSync, ruleId: string) {
    this.#db = db;
    this.#ruleId = ruleId;
  }

  get(path: string): JournalEntry | undefined {
    return this.#map().get(path);
  }

  entries(): IterableIterator<JournalEntry> {
    return this.#map().values();
  }

  /** `durable`: the commit returns once it is on disk (and makes every earlier one durable too). */
  write(entries: readonly JournalEntry[], { durable = false }: { durable?: boolean } = {}): void {
    if (!entries.length) return;
    const map = this.#map();
    this.#upsert ??= this.#db.prepare(
      `INSERT INTO watch_journal (rule_id, path, size, mtime_ms, state, job_id, uploaded_size,
         uploaded_mtime_ms, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, path) DO UPDATE SET size = excluded.size,
         mtime_ms = excluded.mtime_ms, state = excluded.state, job_id = excluded.job_id,
         uploaded_size = excluded.uploaded_size, uploaded_mtime_ms = excluded.uploaded_mtime_ms,
         updated_at = excluded.updated_at`,
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
      { durable },
    );
    for (const entry of entries) map.set(entry.path, entry);
  }

  remove(paths: readonly string[]): void {
    if (!paths.length) return;
    const map = this.#map();
    this.#delete ??= this.#db.prepare('DELETE FROM watch_journal WHERE rule_id = ? AND path = ?');
    const remove = this.#delete;
    transaction(
      this.#db,
      () => {
        for (const path of paths) remove.run(this.#ruleId, path);
      },
      { durable: false },
    );
    for (const path of paths) map.delete(path);
  }

  counts(): Record<JournalState, number> & { total: number } {
    const counts = { settling: 0, queued: 0, uploaded: 0, failed: 0, cancelled: 0, total: 0 };
    const rows = this.#db
      .prepare('SELECT state, count(*) AS n FROM watch_journal WHERE rule_id = ? GROUP BY state')
      .all(this.#ruleId) as Array<{ state: JournalState; n: number }>;
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
        `SELECT path, size, mtime_ms, state, job_id, uploaded_size, uploaded_mtime_ms
         FROM watch_journal WHERE rule_id = ?`,
      )
      .all(this.#ruleId) as unknown as JournalRow[];
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
