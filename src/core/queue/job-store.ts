import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Job, JobState } from './job.ts';
import { decodeJobCursor, encodeJobCursor } from './job-cursor.ts';
import { jobStateSchema } from './job-schema.ts';
import {
  columnValue,
  INTERNAL_COLUMNS,
  jobFromRow,
  MUTABLE_COLUMNS,
  type JobPatch,
  type JobRow,
} from './job-row.ts';

export const JOB_STATES: readonly JobState[] = jobStateSchema.options;

export interface ListJobsOptions {
  states?: readonly JobState[];
  /** Default 100, at most 1000. */
  limit?: number;
  /** `queue`: the order jobs run in (priority, then arrival). `newest`: latest first. */
  order?: 'queue' | 'newest';
  /** From the previous page's `nextCursor`. */
  cursor?: string | null;
  /** Rows to skip; for page numbers. A cursor is cheaper on long lists. */
  offset?: number;
}

export interface JobPage {
  jobs: Job[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

type Row = Record<string, SQLInputValue>;

/** Every SQL statement of the queue. Synchronous, so callers compose them into transactions. */
export class JobStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(id: string): Job | undefined {
    const row = this.#sql('SELECT * FROM jobs WHERE id = ?').get(id);
    return row ? jobFromRow(row as unknown as JobRow) : undefined;
  }

  byFingerprint(fingerprint: string): Job | undefined {
    const row = this.#sql('SELECT * FROM jobs WHERE fingerprint = ?').get(fingerprint);
    return row ? jobFromRow(row as unknown as JobRow) : undefined;
  }

  /** Another job holding this fingerprint, if any. */
  holderOf(fingerprint: string, exceptId: string): Job | undefined {
    const job = this.byFingerprint(fingerprint);
    return job && job.id !== exceptId ? job : undefined;
  }

  /**
   * The job no longer stands for its file and destination (it was uploaded again on request): its
   * row stays, with its history, and the identity passes to the new job.
   */
  retire(id: string): void {
    this.#sql("UPDATE jobs SET fingerprint = 'replaced:' || id WHERE id = ?").run(id);
  }

  /** When the job's current run of transient failures began, epoch ms; null when none. */
  failingSince(id: string): number | null {
    const row = this.#sql('SELECT failing_since FROM jobs WHERE id = ?').get(id) as
      { failing_since: number | null } | undefined;
    return row?.failing_since ?? null;
  }

  /** Jobs the database says are `running`. */
  runningIds(): string[] {
    const rows = this.#sql("SELECT id FROM jobs WHERE state = 'running'").all();
    return rows.map((row) => (row as { id: string }).id);
  }

  insert(job: Job, fingerprint: string): void {
    this.#sql(
      `INSERT INTO jobs (id, fingerprint, path, name, size, mtime_ms, md5, mime_type, folder_path,
         source, rule_id, conflict_policy, priority, state, attempts, next_attempt_at, error,
         error_kind, session_uri, confirmed_bytes, drive_file_id, web_view_link, queued_at,
         started_at, finished_at, updated_at, found_in, follow_links)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      job.id,
      fingerprint,
      job.path,
      job.name,
      job.size,
      job.mtimeMs,
      job.md5,
      job.mimeType,
      job.folderPath,
      job.source,
      job.ruleId,
      job.conflictPolicy,
      job.priority,
      job.state,
      job.attempts,
      columnValue(job.nextAttemptAt),
      job.error,
      job.errorKind,
      job.sessionUri,
      job.confirmedBytes,
      job.driveFileId,
      job.webViewLink,
      job.queuedAt.getTime(),
      columnValue(job.startedAt),
      columnValue(job.finishedAt),
      job.updatedAt.getTime(),
      job.foundIn,
      job.followLinks ? 1 : 0,
    );
  }

  /**
   * Applies `patch` if the job is in one of `from` (any state when absent) and returns the job as
   * it now is; undefined when it is not there or was in another state (someone moved it first).
   */
  update(id: string, patch: JobPatch, now: number, from?: readonly JobState[]): Job | undefined {
    const keys = Object.keys(patch).filter((k) => (patch as Row)[k] !== undefined);
    const sets = keys.map((k) => `${columnOf(k)} = ?`);
    const guard = from ? ` AND state IN (${from.map(() => '?').join(', ')})` : '';
    const row = this.#sql(
      `UPDATE jobs SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?${guard} RETURNING *`,
    ).get(
      ...keys.map((k) => columnValue((patch as Record<string, unknown>)[k])),
      now,
      id,
      ...(from ?? []),
    );
    return row ? jobFromRow(row as unknown as JobRow) : undefined;
  }

  /** What a claim must know of a job before it moves it to `running`. */
  claimState(id: string): { startedAt: number | null; leased: boolean } | undefined {
    const row = this.#sql('SELECT started_at, leased FROM jobs WHERE id = ?').get(id) as
      { started_at: number | null; leased: number } | undefined;
    return row && { startedAt: row.started_at, leased: row.leased === 1 };
  }

  /** A queued or due job becomes `running`; its lease, if any, is used up. */
  claim(id: string, now: number): Job | undefined {
    const row = this.#sql(
      `UPDATE jobs SET state = 'running', next_attempt_at = NULL,
         started_at = coalesce(started_at, ?), leased = 0, updated_at = ?
       WHERE id = ? AND state IN ('queued', 'retrying') RETURNING *`,
    ).get(now, now, id);
    return row ? jobFromRow(row as unknown as JobRow) : undefined;
  }

  /** Leases the jobs not leased yet; returns those it leased. */
  lease(ids: readonly string[]): string[] {
    const statement = this.#sql(
      'UPDATE jobs SET leased = 1 WHERE id = ? AND leased = 0 RETURNING id',
    );
    return ids.filter((id) => statement.get(id) !== undefined);
  }

  unlease(ids: Iterable<string>): void {
    const statement = this.#sql('UPDATE jobs SET leased = 0 WHERE id = ?');
    for (const id of ids) statement.run(id);
  }

  /** The next jobs to run, best first: queued ones, and retrying ones whose time has come. */
  runnable(limit: number, now: number): string[] {
    if (limit <= 0) return [];
    const take = limit;
    const queued = this.#sql(
      "SELECT id, priority, seq FROM jobs WHERE state = 'queued' ORDER BY priority, seq LIMIT ?",
    ).all(take);
    const due = this.#sql(
      `SELECT id, priority, seq FROM jobs WHERE state = 'retrying' AND next_attempt_at <= ?
       ORDER BY priority, seq LIMIT ?`,
    ).all(now, take);
    return [...queued, ...due]
      .map((r) => r as { id: string; priority: number; seq: number })
      .sort((a, b) => a.priority - b.priority || a.seq - b.seq)
      .slice(0, limit)
      .map((r) => r.id);
  }

  /**
   * Paths under `dir` that a job still needs: every job but a done or cancelled one (a failed job
   * may be retried, and then reads its file again).
   */
  neededPathsUnder(dir: string): Set<string> {
    const prefix = dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`;
    const rows = this.#sql(
      `SELECT path FROM jobs WHERE state NOT IN ('done', 'cancelled')
       AND substr(path, 1, length(?)) = ?`,
    ).all(prefix, prefix) as Array<{ path: string }>;
    return new Set(rows.map((row) => row.path));
  }

  /** Jobs queued, running or retrying: what the activity monitor's run starts from. */
  waiting(): Array<{ id: string; size: number; confirmedBytes: number }> {
    return this.#sql(
      `SELECT id, size, confirmed_bytes AS confirmedBytes FROM jobs
       WHERE state IN ('queued', 'running', 'retrying')`,
    ).all() as Array<{ id: string; size: number; confirmedBytes: number }>;
  }

  /** Whether a retry is due (its time has come) and not taken yet. */
  hasDueRetry(now: number): boolean {
    return (
      this.#sql(
        "SELECT 1 AS due FROM jobs WHERE state = 'retrying' AND next_attempt_at <= ? LIMIT 1",
      ).get(now) !== undefined
    );
  }

  /** When the first retry due after `now` is; null when none waits. */
  nextRetryAfter(now: number): number | null {
    const row = this.#sql(
      "SELECT min(next_attempt_at) AS at FROM jobs WHERE state = 'retrying' AND next_attempt_at > ?",
    ).get(now) as { at: number | null };
    return row.at;
  }

  /** Jobs left `running` by a process that died: back to `queued`, session and offset kept. */
  recoverRunning(now: number): Job[] {
    const rows = this.#sql(
      "UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running' RETURNING *",
    ).all(now);
    return rows.map((row) => jobFromRow(row as unknown as JobRow));
  }

  /** Every failed job back to `queued` with a fresh set of attempts. */
  requeueFailed(now: number): Job[] {
    const rows = this.#sql(
      `UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = NULL, error = NULL,
         error_kind = NULL, finished_at = NULL, session_uri = NULL, confirmed_bytes = 0,
         failing_since = NULL, updated_at = ?
       WHERE state = 'failed' RETURNING *`,
    ).all(now);
    return rows.map((row) => jobFromRow(row as unknown as JobRow));
  }

  list(options: ListJobsOptions = {}): JobPage {
    const limit = Math.min(Math.max(1, options.limit ?? 100), 1000);
    const order = options.order ?? 'queue';
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (options.states?.length) {
      where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
      params.push(...options.states);
    }
    const cursor = options.cursor ? decodeJobCursor(options.cursor) : null;
    if (options.cursor && !cursor) throw new RangeError(`Not a job list cursor: ${options.cursor}`);
    if (cursor) {
      const { priority, seq } = cursor;
      where.push(order === 'queue' ? '(priority, seq) > (?, ?)' : 'seq < ?');
      params.push(...(order === 'queue' ? [priority, seq] : [seq]));
    }
    const sql =
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY ${order === 'queue' ? 'priority, seq' : 'seq DESC'} LIMIT ? OFFSET ?`;
    const rows = this.#sql(sql).all(...params, limit + 1, options.offset ?? 0) as unknown[];
    const page = (rows as JobRow[]).slice(0, limit);
    const last = page.at(-1);
    return {
      jobs: page.map(jobFromRow),
      nextCursor: rows.length > limit && last ? encodeJobCursor(last) : null,
    };
  }

  /**
   * Ids that start with `prefix`, in order, at most `limit`: how a person's short id (the eight
   * characters `queue` shows) is found. A range over the id index, not a scan.
   */
  idsWithPrefix(prefix: string, limit: number): string[] {
    const rows = this.#sql('SELECT id FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').all(
      prefix,
      `${prefix}\u{10FFFF}`,
      limit,
    ) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /**
   * Every job waiting, retrying or uploading (of one watch rule, given `ruleId`): those waiting
   * first, in the order they would run.
   */
  unfinishedIds(ruleId?: string): string[] {
    const rows = this.#sql(
      `SELECT id FROM jobs WHERE state IN ('queued', 'running', 'retrying')
       AND (? IS NULL OR rule_id = ?) ORDER BY state = 'running', priority, seq`,
    ).all(ruleId ?? null, ruleId ?? null) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /** How many of a watch rule's jobs are in `state`. */
  countForRule(ruleId: string, state: JobState): number {
    const row = this.#sql('SELECT count(*) AS n FROM jobs WHERE state = ? AND rule_id = ?').get(
      state,
      ruleId,
    ) as { n: number };
    return row.n;
  }

  counts(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    const rows = this.#sql('SELECT state, count(*) AS n FROM jobs GROUP BY state').all();
    for (const row of rows as Array<{ state: JobState; n: number }>) counts[row.state] = row.n;
    return counts;
  }

  #sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function columnOf(key: string): string {
  const column =
    (MUTABLE_COLUMNS as Record<string, string>)[key] ??
    (INTERNAL_COLUMNS as Record<string, string>)[key];
  if (!column) throw new Error(`jobs has no updatable field ${key}`);
  return column;
}
