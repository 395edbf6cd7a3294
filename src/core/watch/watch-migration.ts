import type { Migration } from '../store/migration.ts';

/**
 * Schema step 3: watch rules and the journal of files each rule has seen.
 *
 * The journal is what makes "no file missed, none uploaded twice" survive restarts: one row per
 * file (path relative to the rule's folder), with the version last queued (`size`, `mtime_ms`,
 * `job_id`) and the version Drive confirmed (`uploaded_size`, `uploaded_mtime_ms`). Rows are kept
 * after a file disappears, so an unmounted disk that comes back is not uploaded again.
 */
export const watchMigration: Migration = {
  version: 3,
  name: 'watch rules and journal',
  up: `
    CREATE TABLE watch_rules (
      id TEXT PRIMARY KEY,
      folder TEXT NOT NULL,
      destination TEXT NOT NULL,
      include_globs TEXT NOT NULL,
      exclude_globs TEXT NOT NULL,
      recursive INTEGER NOT NULL CHECK (recursive IN (0, 1)),
      stability_ms INTEGER NOT NULL CHECK (stability_ms >= 0),
      conflict_policy TEXT NOT NULL CHECK (conflict_policy IN ('keep-both', 'skip-identical', 'new-version')),
      after_upload TEXT NOT NULL,
      ignore_hidden INTEGER NOT NULL CHECK (ignore_hidden IN (0, 1)),
      ignore_temporary INTEGER NOT NULL CHECK (ignore_temporary IN (0, 1)),
      enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE watch_journal (
      rule_id TEXT NOT NULL REFERENCES watch_rules (id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('settling', 'queued', 'uploaded', 'failed', 'cancelled')),
      job_id TEXT,
      uploaded_size INTEGER,
      uploaded_mtime_ms REAL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (rule_id, path)
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX watch_journal_by_job ON watch_journal (job_id) WHERE job_id IS NOT NULL;
    CREATE INDEX watch_journal_by_state ON watch_journal (rule_id, state);
  `,
};
