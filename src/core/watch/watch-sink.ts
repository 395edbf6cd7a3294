import type { ConflictPolicy } from '../config/settings-schema.ts';
import type { FileScope } from '../drive/file-scope.ts';
import type { Job } from '../queue/job.ts';

/** One settled file handed to the upload queue. */
export interface WatchQueueItem {
  /** Absolute path of the local file. */
  path: string;
  /** Destination folder path in Drive. */
  folderPath: string;
  source: 'watch';
  ruleId: string;
  conflictPolicy: ConflictPolicy;
  /** The rule's folder, and whether its links are followed: checked again when the file is opened. */
  scope: FileScope;
  /** The version the stability gate found unchanged for the window: the one to upload. */
  seen: { size: number; mtimeMs: number };
}

/**
 * The port to the upload queue. The queue persists each item before answering, one result per
 * item in order, and answers an unchanged file (same path, size and time) with its existing job:
 * that is what makes a crash between this call and the journal write harmless.
 */
export interface WatchSink {
  enqueue(items: WatchQueueItem[]): Promise<Array<{ jobId: string }>>;
}

/** The part of a finished job the watcher needs. */
export type JobOutcomeJob = Pick<
  Job,
  'id' | 'path' | 'size' | 'mtimeMs' | 'md5' | 'driveFileId' | 'ruleId' | 'source'
>;

export type JobOutcomeType = 'job.done' | 'job.failed' | 'job.cancelled';

/** Where finished jobs are announced: the agent's bus satisfies this. */
export interface JobOutcomeSource {
  on(type: JobOutcomeType, listener: (data: { job: JobOutcomeJob }) => void): () => void;
}
