import type { Migration } from '../store/migration.ts';

/**
 * Schema step 5: claim leases (see claim-leases.ts).
 *
 * `leased` = 1 says, durably, that this job may be claimed by a commit that does not wait for the
 * disk. After a power cut such a claim may be gone while its upload reached Drive, so a leased job
 * is treated like one that had started: the file tagged with its id is looked for before another
 * is created. The claim clears it in the same commit that sets `started_at`, which says the same.
 */
export const claimLeaseMigration: Migration = {
  version: 5,
  name: 'claim leases',
  up: `ALTER TABLE jobs ADD COLUMN leased INTEGER NOT NULL DEFAULT 0 CHECK (leased IN (0, 1));`,
};
