import type { Migration } from '../store/migration.ts';
import { rebuildTable } from '../store/rebuild-table.ts';

const SOURCES = "('drop', 'watch', 'cli')";
const WITH_BROWSER = "('drop', 'watch', 'cli', 'browser')";

/**
 * Schema step 8: `browser` is a source of jobs and history records: files a browser sent in web
 * mode, staged in the data directory and uploaded from there. Only a CHECK constraint changes, so
 * both tables are rebuilt as they are (rebuild-table.ts); rowids stay, and with them the history's
 * sort keys, which are also its FTS5 rowids.
 */
export const browserSourceMigration: Migration = {
  version: 8,
  name: 'browser uploads',
  up: (db) => {
    for (const table of ['jobs', 'history']) {
      rebuildTable(db, table, (sql) =>
        sql.replace(`source IN ${SOURCES}`, `source IN ${WITH_BROWSER}`),
      );
    }
  },
};
