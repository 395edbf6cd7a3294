import type { DatabaseSync } from 'node:sqlite';
import { historyMigration } from './history/history-migration.ts';
import { historyTrashMigration } from './history/trash-migration.ts';
import { browserSourceMigration } from './queue/browser-source-migration.ts';
import { claimLeaseMigration } from './queue/claim-lease-migration.ts';
import { destinationIdentityMigration } from './queue/destination-identity-migration.ts';
import { queueMigration } from './queue/queue-migration.ts';
import { pruningMigration } from './pruning-migration.ts';
import { linkSafetyMigration } from './watch/link-safety-migration.ts';
import { watchMigration } from './watch/watch-migration.ts';
import { openDatabase, type OpenDatabaseOptions } from './store/database.ts';
import type { Migration } from './store/migration.ts';

/**
 * The schema's history, in order. Append only: a released migration is never edited, because
 * databases in the field have already run it. Each feature owns its tables and adds its step here.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'agent metadata',
    up: `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`,
  },
  queueMigration,
  watchMigration,
  historyMigration,
  claimLeaseMigration,
  linkSafetyMigration,
  destinationIdentityMigration,
  browserSourceMigration,
  historyTrashMigration,
  pruningMigration,
];

/** The agent's database: every feature's tables, as the composition root registers them. */
export function openAgentDatabase(
  file: string,
  options: Omit<OpenDatabaseOptions, 'migrations'> = {},
): DatabaseSync {
  return openDatabase(file, { ...options, migrations: MIGRATIONS });
}
