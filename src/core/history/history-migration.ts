import type { Migration } from '../store/migration.ts';

/** Schema step 4: upload history and outbox. */
export const historyMigration: Migration = {
  version: 4,
  name: 'upload history and outbox',
  up: '',
};
