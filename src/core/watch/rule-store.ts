import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { afterUploadSchema, type WatchRule, type WatchRuleSettings } from './watch-rules.ts';

interface RuleRow {
  id: string;
  folder: string;
  destination: string;
  include_globs: string;
  exclude_globs: string;
  recursive: number;
  stability_ms: number;
  conflict_policy: WatchRule['conflictPolicy'];
  after_upload: string;
  ignore_hidden: number;
  ignore_temporary: number;
  enabled: number;
  follow_symlinks: number;
  created_at: number;
  updated_at: number;
}

/** Watch rules in the local database. Validation happens before; this only stores. */
export class RuleStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  list(): WatchRule[] {
    const rows = this.#db.prepare('SELECT * FROM watch_rules ORDER BY created_at, id').all();
    return (rows as unknown as RuleRow[]).map(fromRow);
  }

  get(id: string): WatchRule | null {
    const row = this.#db.prepare('SELECT * FROM watch_rules WHERE id = ?').get(id);
    return row ? fromRow(row as unknown as RuleRow) : null;
  }

  insert(settings: WatchRuleSettings, now = new Date()): WatchRule {
    const rule: WatchRule = { ...settings, id: randomUUID(), createdAt: now, updatedAt: now };
    this.#db
      .prepare(
        `INSERT INTO watch_rules (id, folder, destination, include_globs, exclude_globs, recursive,
           stability_ms, conflict_policy, after_upload, ignore_hidden, ignore_temporary, enabled,
           follow_symlinks, created_at, updated_at)
         VALUES (:id, :folder, :destination, :include_globs, :exclude_globs, :recursive,
           :stability_ms, :conflict_policy, :after_upload, :ignore_hidden, :ignore_temporary,
           :enabled, :follow_symlinks, :created_at, :updated_at)`,
      )
      .run({ ...toRow(rule) });
    return rule;
  }

  replace(rule: WatchRule): void {
    this.#db
      .prepare(
        `UPDATE watch_rules SET folder = :folder, destination = :destination,
           include_globs = :include_globs, exclude_globs = :exclude_globs, recursive = :recursive,
           stability_ms = :stability_ms, conflict_policy = :conflict_policy,
           after_upload = :after_upload, ignore_hidden = :ignore_hidden,
           ignore_temporary = :ignore_temporary, enabled = :enabled,
           follow_symlinks = :follow_symlinks, updated_at = :updated_at
         WHERE id = :id`,
      )
      .run({ ...withoutCreatedAt(toRow(rule)) });
  }

  /** Removes the rule and, by cascade, its journal. */
  delete(id: string): boolean {
    return this.#db.prepare('DELETE FROM watch_rules WHERE id = ?').run(id).changes > 0;
  }
}

function toRow(rule: WatchRule): RuleRow {
  return {
    id: rule.id,
    folder: rule.folder,
    destination: rule.destination,
    include_globs: JSON.stringify(rule.include),
    exclude_globs: JSON.stringify(rule.exclude),
    recursive: rule.recursive ? 1 : 0,
    stability_ms: rule.stabilityWindowMs,
    conflict_policy: rule.conflictPolicy,
    after_upload: JSON.stringify(rule.afterUpload),
    ignore_hidden: rule.ignoreHidden ? 1 : 0,
    ignore_temporary: rule.ignoreTemporary ? 1 : 0,
    enabled: rule.enabled ? 1 : 0,
    follow_symlinks: rule.followSymlinks ? 1 : 0,
    created_at: rule.createdAt.getTime(),
    updated_at: rule.updatedAt.getTime(),
  };
}

function withoutCreatedAt(row: RuleRow): Omit<RuleRow, 'created_at'> {
  const { created_at: _createdAt, ...rest } = row;
  return rest;
}

function fromRow(row: RuleRow): WatchRule {
  return {
    id: row.id,
    folder: row.folder,
    destination: row.destination,
    include: JSON.parse(row.include_globs) as string[],
    exclude: JSON.parse(row.exclude_globs) as string[],
    recursive: row.recursive === 1,
    stabilityWindowMs: row.stability_ms,
    conflictPolicy: row.conflict_policy,
    afterUpload: afterUploadSchema.parse(JSON.parse(row.after_upload)),
    ignoreHidden: row.ignore_hidden === 1,
    ignoreTemporary: row.ignore_temporary === 1,
    enabled: row.enabled === 1,
    followSymlinks: row.follow_symlinks === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
