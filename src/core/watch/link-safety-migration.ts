import type { Migration } from '../store/migration.ts';

/**
 * Schema step 6: which symbolic links may lead to a file, and what a rule left out.
 *
 * - `jobs.found_in` is the watched or added folder a job's file was found in (NULL: a person
 *   named the file itself), `jobs.follow_links` whether links below it may be followed (then only
 *   to files inside it). The uploader checks them on the opened file (see file-scope.ts). Jobs
 *   queued before this step by a watch rule get the rule's folder, so they follow no link.
 * - `watch_rules.follow_symlinks` is the rule's opt-in to following links (off by default).
 * - `watch_skipped` lists what a rule left out and why (links, FIFOs, DriveUp's own files), so a
 *   person can see it; rows go when the path is gone or no longer skipped.
 */
export const linkSafetyMigration: Migration = {
  version: 6,
  name: 'links and skipped files',
  up: `
    ALTER TABLE jobs ADD COLUMN found_in TEXT;
    ALTER TABLE jobs ADD COLUMN follow_links INTEGER NOT NULL DEFAULT 0
      CHECK (follow_links IN (0, 1));
    UPDATE jobs SET found_in = (SELECT folder FROM watch_rules WHERE watch_rules.id = jobs.rule_id)
      WHERE source = 'watch';

    ALTER TABLE watch_rules ADD COLUMN follow_symlinks INTEGER NOT NULL DEFAULT 0
      CHECK (follow_symlinks IN (0, 1));

    CREATE TABLE watch_skipped (
      rule_id TEXT NOT NULL REFERENCES watch_rules (id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      reason TEXT NOT NULL CHECK (reason IN ('symlink', 'hidden', 'special', 'protected', 'outside')),
      message TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (rule_id, path)
    ) STRICT, WITHOUT ROWID;
  `,
};
