import type { DatabaseSync } from 'node:sqlite';

/**
 * Changes what SQLite cannot ALTER (a CHECK constraint) the way its documentation prescribes
 * (https://sqlite.org/lang_altertable.html, "other kinds of table schema changes"): a new table
 * from the current definition with `change` applied, every row copied (rowids included), the old
 * table dropped, the new one renamed, and its indexes made again. Run inside the migration's
 * transaction, so it happens whole or not at all. The current definition is read from
 * sqlite_schema, which includes the columns later migrations added.
 */
export function rebuildTable(
  db: DatabaseSync,
  table: string,
  change: (createSql: string) => string,
): void {
  const rows = db
    .prepare('SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = ? AND sql IS NOT NULL')
    .all(table) as Array<{ type: string; name: string; sql: string }>;
  const create = rows.find((row) => row.type === 'table');
  if (!create) throw new Error(`No table ${table} to rebuild`);
  const changed = change(create.sql);
  if (changed === create.sql) throw new Error(`The change to ${table} changed nothing`);
  const temporary = `${table}_rebuilt`;
  const renamed = changed.replace(/^CREATE TABLE\s+("?)(\w+)\1/i, `CREATE TABLE ${temporary}`);
  db.exec(renamed);
  db.exec(`INSERT INTO ${temporary} SELECT * FROM ${table}`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${temporary} RENAME TO ${table}`);
  for (const row of rows) if (row.type === 'index') db.exec(row.sql);
}
