import type { Migration } from '../store/migration.ts';

/** Schema step 2: upload queue. */
export const queueMigration: Migration = {
  version: 2,
  name: 'upload queue',
  up: '',
};
