import type { Migration } from '../store/migration.ts';

/**
 * Schema step 8: when an upload was moved to Drive's trash from DriveUp (Review's "Move to Drive
 * trash"). The record stays, since the upload happened; `trashed_at` says it was undone, and the
 * outbox carries the change to MongoDB like any other version of the record.
 */
export const historyTrashMigration: Migration = {
  version: 9,
  name: 'history: uploads moved to the trash',
  up: `ALTER TABLE history ADD COLUMN trashed_at INTEGER;`,
};
