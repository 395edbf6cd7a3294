import type { Migration } from '../store/migration.ts';

/**
 * Schema step 2: the upload queue.
 *
 * `jobs` is the queue itself: better-queue only ever sees the few jobs about to run (see
 * better-queue-store.ts), so the backlog, retry schedule and resumable sessions survive any crash.
 *
 * - `seq` (the rowid) is the order of arrival: ties within a priority run oldest first.
 * - `fingerprint` is the identity of one version of one file (see fingerprint.ts): unique, so the
 *   same unchanged file can never become two jobs, whatever races between sources.
 * - `jobs_by_state` serves the scheduler (next queued job by priority, then arrival), counts by
 *   state and listing by state; `jobs_retry_due` finds retries whose time has come and the next
 *   wake-up without scanning the backlog.
 * - Times are epoch milliseconds; `mtime_ms` is REAL because file systems give sub-ms times.
 */
export const queueMigration: Migration = {
  version: 2,
  name: 'upload queue',
  up: `
    CREATE TABLE jobs (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      fingerprint TEXT NOT NULL,
      path TEXT NOT NULL,
      name TEXT NOT NULL,
      size INTEGER NOT NULL CHECK (size >= 0),
      mtime_ms REAL NOT NULL,
      md5 TEXT,
      mime_type TEXT NOT NULL,
      folder_path TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('drop', 'watch', 'cli')),
      rule_id TEXT,
      conflict_policy TEXT NOT NULL
        CHECK (conflict_policy IN ('keep-both', 'skip-identical', 'new-version')),
      priority INTEGER NOT NULL,
      state TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'retrying', 'done', 'failed', 'cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at INTEGER,
      error TEXT,
      error_kind TEXT
        CHECK (error_kind IN ('transient', 'permanent', 'auth', 'offline', 'changed')),
      session_uri TEXT,
      confirmed_bytes INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_bytes >= 0),
      drive_file_id TEXT,
      web_view_link TEXT,
      queued_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE UNIQUE INDEX jobs_by_fingerprint ON jobs (fingerprint);
    CREATE INDEX jobs_by_state ON jobs (state, priority, seq);
    CREATE INDEX jobs_retry_due ON jobs (next_attempt_at) WHERE state = 'retrying';
  `,
};
