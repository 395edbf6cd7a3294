import type { ConflictPolicy } from '../config/settings-schema.ts';
import type { FailureKind } from '../drive/uploader.ts';

/**
 * The upload job: the unit the queue persists, schedules and reports. This file is the contract
 * between the queue, the Drive uploader, the watcher and the history; change it with care.
 */
export type JobState = 'queued' | 'running' | 'retrying' | 'done' | 'failed' | 'cancelled';
export type JobSource = 'drop' | 'watch' | 'cli' | 'browser';

export interface Job {
  id: string;
  /** Absolute path of the local file. */
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
  /** MD5 of the content, hex, once it has been read in full. */
  md5: string | null;
  mimeType: string;
  /** Destination folder path in Drive, e.g. `DriveUp/lab-pc/2026-11`. */
  folderPath: string;
  source: JobSource;
  ruleId: string | null;
  /**
   * The watched or added folder the file was found in; null when a person named the file itself.
   * With `followLinks`, the symbolic links that may lead to the file (see file-scope.ts).
   */
  foundIn: string | null;
  followLinks: boolean;
  conflictPolicy: ConflictPolicy;
  /** Lower runs first: drops and CLI adds go ahead of a watch-folder backlog. */
  priority: number;
  state: JobState;
  attempts: number;
  nextAttemptAt: Date | null;
  error: string | null;
  errorKind: FailureKind | null;
  /** Resumable session URI and the byte count Drive has confirmed, persisted after every chunk. */
  sessionUri: string | null;
  confirmedBytes: number;
  driveFileId: string | null;
  webViewLink: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}
