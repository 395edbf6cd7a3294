import type { Migration } from '../store/migration.ts';

/** Schema step 3: watch rules and journal. */
export const watchMigration: Migration = {
  version: 3,
  name: 'watch rules and journal',
  up: '',
};
