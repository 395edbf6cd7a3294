import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Logger } from 'pino';
import { transaction } from './store/transaction.ts';

/**
 * How long the local database keeps what it no longer needs (README, "What DriveUp keeps"):
 *
 * - A finished job (done, failed or cancelled) goes once it finished more than
 *   `finishedJobDays` ago, or once `finishedJobRows` newer finished jobs exist. Its upload stays
 *   in the history. After that, adding the same unchanged file again uploads it again.
 * - A finished job from a watched folder stays for as long as it is what keeps its file from
 *   being uploaded again (see WatchService.jobsStillNeeded), whatever its age.
 * - A watched file's journal entry goes once the file has been gone for `missingFileDays`, as
 *   scans of its present folder saw it, and is still gone. If it comes back after that, unchanged,
 *   it is uploaded again. Never while the file is there (that entry is what keeps it from being
 *   uploaded again), nor when the folder that held it is empty or unreadable now (what an unmounted
 *   disk or share looks like), unless the rule's own after-upload action moved or deleted it.
 * - The history is never pruned here; clearing it (`history.clear`) is the person's choice.
 */
export interface PruningPolicy {
  finishedJobDays: number;
  finishedJobRows: number;
  missingFileDays: number;
  /** Time between two prunings while the agent runs; the first comes this long after start. */
  everyMs: number;
  firstAfterMs: number;
}

export const PRUNING_POLICY: PruningPolicy = {
  finishedJobDays: 30,
  finishedJobRows: 50_000,
  missingFileDays: 30,
  everyMs: 6 * 3_600_000,
  firstAfterMs: 60_000,
};

/** What the watch service needs to know of a finished job to tell whether it still matters. */
export interface FinishedJob {
  id: string;
  source: string;
  ruleId: string | null;
  foundIn: string | null;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface PrunerOptions {
  db: DatabaseSync;
  /** The ids among these finished jobs that must stay (the watch journal does not cover them yet). */
  jobsStillNeeded?: (jobs: readonly FinishedJob[]) => Set<string>;
  /** Forgets journal entries of files gone since before `time`; returns how many. */
  forgetMissingFiles?: (before: number) => Promise<number>;
  policy?: Partial<PruningPolicy>;
  now?: () => number;
  logger?: Logger;
}

export interface PruneReport {
  finishedJobs: number;
  missingFiles: number;
}

const DAY_MS = 86_400_000;
/** Rows looked at per transaction; the event loop gets a turn between two. */
const BATCH = 500;

/**
 * Keeps the local database from growing without end (see PruningPolicy): finished jobs and the
 * journal entries of vanished files, a batch at a time, well after the agent has started and then
 * every few hours. Deleting does not wait for the disk: a power cut that undoes it only means the
 * rows go next time.
 */
export class Pruner {
  readonly #o: PrunerOptions;
  readonly #policy: PruningPolicy;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PruneReport> | undefined;
  #stopped = false;
  #finished: StatementSync | undefined;
  #nthNewest: StatementSync | undefined;
  #delete: StatementSync | undefined;

  constructor(options: PrunerOptions) {
    this.#o = options;
    this.#policy = { ...PRUNING_POLICY, ...options.policy };
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(this.#policy.firstAfterMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** Prunes now (one run at a time: a call during a run waits for it). */
  prune(): Promise<PruneReport> {
    this.#running ??= this.#prune().finally(() => (this.#running = undefined));
    return this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.prune()
        .catch((error: unknown) => this.#o.logger?.warn({ err: error }, 'pruning failed'))
        .finally(() => this.#schedule(this.#policy.everyMs));
    }, delayMs);
    // Pruning never keeps a process alive on its own.
    this.#timer.unref();
  }

  async #prune(): Promise<PruneReport> {
    const now = this.#now();
    const finishedJobs = await this.#pruneFinishedJobs(now);
    const missingFiles = this.#stopped
      ? 0
      : ((await this.#o.forgetMissingFiles?.(now - this.#policy.missingFileDays * DAY_MS)) ?? 0);
    if (finishedJobs || missingFiles) {
      this.#o.logger?.info({ finishedJobs, missingFiles }, 'pruned the local database');
    }
    return { finishedJobs, missingFiles };
  }

  /** Oldest first, skipping those still needed, until none is old (or beyond the count) enough. */
  async #pruneFinishedJobs(now: number): Promise<number> {
    const before = this.#cutoff(now);
    let after: [finishedAt: number, seq: number] = [-Infinity, 0];
    let removed = 0;
    while (!this.#stopped) {
      const rows = this.#finishedBefore(before, after);
      if (!rows.length) break;
      const last = rows.at(-1)!;
      after = [last.finished_at, last.seq];
      const jobs = rows.map(finishedJobOf);
      const needed = this.#o.jobsStillNeeded?.(jobs) ?? new Set<string>();
      removed += this.#deleteJobs(jobs.filter((job) => !needed.has(job.id)).map((job) => job.id));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }

  /** Jobs that finished before this go: older than the age limit, or beyond the newest N. */
  #cutoff(now: number): number {
    this.#nthNewest ??= this.#o.db.prepare(
      `SELECT finished_at FROM jobs WHERE state IN ('done', 'failed', 'cancelled')
       ORDER BY finished_at DESC LIMIT 1 OFFSET ?`,
    );
    const row = this.#nthNewest.get(this.#policy.finishedJobRows) as
      { finished_at: number } | undefined;
    const byAge = now - this.#policy.finishedJobDays * DAY_MS;
    // The job at that offset is the first beyond the newest N: it and older ones go.
    return row ? Math.max(byAge, row.finished_at + 1) : byAge;
  }

  #finishedBefore(before: number, [finishedAt, seq]: [number, number]): FinishedRow[] {
    this.#finished ??= this.#o.db.prepare(
      `SELECT seq, id, source, rule_id, found_in, path, size, mtime_ms, finished_at FROM jobs
       WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?
         AND (finished_at, seq) > (?, ?)
       ORDER BY finished_at, seq LIMIT ?`,
    );
    return this.#finished.all(
      before,
      Number.isFinite(finishedAt) ? finishedAt : -1,
      seq,
      BATCH,
    ) as unknown as FinishedRow[];
  }

  #deleteJobs(ids: readonly string[]): number {
    if (!ids.length) return 0;
    this.#delete ??= this.#o.db.prepare(
      `DELETE FROM jobs WHERE id = ? AND state IN ('done', 'failed', 'cancelled')`,
    );
    const remove = this.#delete;
    return transaction(
      this.#o.db,
      () => ids.reduce((count, id) => count + Number(remove.run(id).changes), 0),
      { durable: false },
    );
  }
}

interface FinishedRow {
  seq: number;
  id: string;
  source: string;
  rule_id: string | null;
  found_in: string | null;
  path: string;
  size: number;
  mtime_ms: number;
  finished_at: number;
}

function finishedJobOf(row: FinishedRow): FinishedJob {
  return {
    id: row.id,
    source: row.source,
    ruleId: row.rule_id,
    foundIn: row.found_in,
    path: row.path,
    size: row.size,
    mtimeMs: row.mtime_ms,
  };
}
