import type { Migration } from './store/migration.ts';

/**
 * Schema step 10: what pruning needs (see pruner.ts).
 *
 * - `watch_journal.missing_since` (epoch ms) is when a scan of the rule's folder first found the
 *   file gone; NULL while it is there. An entry whose file has been gone long enough is forgotten.
 * - `watch_journal.removed_after_upload` is 1 when the rule's own after-upload action moved or
 *   deleted the file (then its folder being empty says nothing of an unmounted disk).
 * - `jobs_finished` finds the finished jobs old enough to go without scanning the backlog.
 */
export const pruningMigration: Migration = {
  version: 10,
  name: 'pruning finished jobs and vanished files',
  up: `
    ALTER TABLE watch_journal ADD COLUMN missing_since INTEGER;
    ALTER TABLE watch_journal ADD COLUMN removed_after_upload INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX watch_journal_missing ON watch_journal (rule_id, missing_since)
      WHERE missing_since IS NOT NULL;
    CREATE INDEX jobs_finished ON jobs (finished_at)
      WHERE state IN ('done', 'failed', 'cancelled');
  `,
};
