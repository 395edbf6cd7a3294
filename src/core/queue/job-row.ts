import type { ConflictPolicy } from '../config/settings-schema.ts';
import type { FailureKind } from '../drive/uploader.ts';
import type { Job, JobSource, JobState } from './job.ts';

/** A `jobs` row as node:sqlite returns it. */
export interface JobRow {
  seq: number;
  id: string;
  fingerprint: string;
  path: string;
  name: string;
  size: number;
  mtime_ms: number;
  md5: string | null;
  mime_type: string;
  folder_path: string;
  source: string;
  rule_id: string | null;
  found_in: string | null;
  follow_links: number;
  conflict_policy: string;
  priority: number;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  error: string | null;
  error_kind: string | null;
  session_uri: string | null;
  confirmed_bytes: number;
  drive_file_id: string | null;
  web_view_link: string | null;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  failing_since: number | null;
}

/** The Job fields a transition may change, mapped to their columns. */
export const MUTABLE_COLUMNS = {
  size: 'size',
  mtimeMs: 'mtime_ms',
  md5: 'md5',
  folderPath: 'folder_path',
  source: 'source',
  ruleId: 'rule_id',
  foundIn: 'found_in',
  followLinks: 'follow_links',
  conflictPolicy: 'conflict_policy',
  priority: 'priority',
  state: 'state',
  attempts: 'attempts',
  nextAttemptAt: 'next_attempt_at',
  error: 'error',
  errorKind: 'error_kind',
  sessionUri: 'session_uri',
  confirmedBytes: 'confirmed_bytes',
  driveFileId: 'drive_file_id',
  webViewLink: 'web_view_link',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
} as const satisfies Partial<Record<keyof Job, string>>;

/** Columns that are the queue's own bookkeeping, not part of the Job it reports. */
export const INTERNAL_COLUMNS = {
  fingerprint: 'fingerprint',
  failingSince: 'failing_since',
} as const;

export type JobPatch = Partial<Pick<Job, keyof typeof MUTABLE_COLUMNS>> & {
  fingerprint?: string;
  /** When the current run of transient failures began; null once it is over. */
  failingSince?: Date | null;
};

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    path: row.path,
    name: row.name,
    size: row.size,
    mtimeMs: row.mtime_ms,
    md5: row.md5,
    mimeType: row.mime_type,
    folderPath: row.folder_path,
    source: row.source as JobSource,
    ruleId: row.rule_id,
    foundIn: row.found_in,
    followLinks: row.follow_links === 1,
    conflictPolicy: row.conflict_policy as ConflictPolicy,
    priority: row.priority,
    state: row.state as JobState,
    attempts: row.attempts,
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    error: row.error,
    errorKind: row.error_kind as FailureKind | null,
    sessionUri: row.session_uri,
    confirmedBytes: row.confirmed_bytes,
    driveFileId: row.drive_file_id,
    webViewLink: row.web_view_link,
    queuedAt: new Date(row.queued_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Column values for a patch: dates become epoch ms, as stored. */
export function columnValue(value: unknown): string | number | null {
  if (value instanceof Date) return value.getTime();
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as string | number | null;
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
