import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { HistoryRecord, HistoryStatus } from './history-record.ts';
import type { JobSource } from '../queue/job.ts';
import type { StoredRecord } from './search-plan.ts';

/** The `history` table's columns, in insert order (sort_key first). */
export const HISTORY_COLUMNS = [
  'sort_key',
  'id',
  'name',
  'path',
  'machine',
  'account_email',
  'drive_file_id',
  'web_view_link',
  'folder_path',
  'size',
  'mime_type',
  'extension',
  'md5',
  'source',
  'rule_id',
  'status',
  'error',
  'queued_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'trashed_at',
] as const;

type Row = Record<string, SQLOutputValue>;

export function rowValues(record: HistoryRecord, sortKey: number): SQLInputValue[] {
  return [
    sortKey,
    record.id,
    record.name,
    record.path,
    record.machine,
    record.accountEmail,
    record.driveFileId,
    record.webViewLink,
    record.folderPath,
    record.size,
    record.mimeType,
    record.extension,
    record.md5,
    record.source,
    record.ruleId,
    record.status,
    record.error,
    record.queuedAt.getTime(),
    record.startedAt?.getTime() ?? null,
    record.finishedAt.getTime(),
    record.durationMs,
    record.trashedAt?.getTime() ?? null,
  ];
}

export function storedFromRow(row: Row): StoredRecord {
  return {
    sortKey: Number(row.sort_key),
    record: {
      id: String(row.id),
      name: String(row.name),
      path: String(row.path),
      machine: String(row.machine),
      accountEmail: text(row.account_email),
      driveFileId: text(row.drive_file_id),
      webViewLink: text(row.web_view_link),
      folderPath: String(row.folder_path),
      size: Number(row.size),
      mimeType: String(row.mime_type),
      extension: String(row.extension),
      md5: text(row.md5),
      source: row.source as JobSource,
      ruleId: text(row.rule_id),
      status: row.status as HistoryStatus,
      error: text(row.error),
      queuedAt: new Date(Number(row.queued_at)),
      startedAt: row.started_at === null ? null : new Date(Number(row.started_at)),
      finishedAt: new Date(Number(row.finished_at)),
      durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
      trashedAt:
        row.trashed_at === null || row.trashed_at === undefined
          ? null
          : new Date(Number(row.trashed_at)),
    },
  };
}

function text(value: SQLOutputValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
