import type { JournalEntry } from './file-journal.ts';
import type { JobOutcomeJob, JobOutcomeType } from './watch-sink.ts';

export interface Version {
  size: number;
  mtimeMs: number;
}

/** Whole milliseconds: the queue may keep a file's time as an integer. */
export function sameVersion(a: Version, b: Version): boolean {
  return a.size === b.size && Math.floor(a.mtimeMs) === Math.floor(b.mtimeMs);
}

/**
 * True when this version of the file needs nothing more from the watcher: Drive has it, or it is
 * queued, or the queue gave up on exactly this content (a person retries that in the queue; a new
 * version is tried afresh).
 */
export function isHandled(entry: JournalEntry | undefined, version: Version): boolean {
  if (!entry) return false;
  if (entry.uploadedSize !== null && entry.uploadedMtimeMs !== null) {
    if (sameVersion({ size: entry.uploadedSize, mtimeMs: entry.uploadedMtimeMs }, version)) {
      return true;
    }
  }
  return entry.state !== 'settling' && sameVersion(entry, version);
}

/**
 * The journal entry once the queue reports on a job. What Drive holds is the job's version, which
 * may be newer than the one we queued (the uploader sends the final content of a file that
 * changed); a report on an older job than the entry's current one only updates that memory.
 */
export function entryAfterOutcome(
  entry: JournalEntry | undefined,
  type: JobOutcomeType,
  job: JobOutcomeJob,
  path: string,
): JournalEntry {
  const base: JournalEntry = entry ?? {
    path,
    size: job.size,
    mtimeMs: job.mtimeMs,
    state: 'queued',
    jobId: job.id,
    uploadedSize: null,
    uploadedMtimeMs: null,
  };
  // An entry not yet told which job it went to (the queue finished the job before the hand-over
  // was recorded) is that job's when it is the same version.
  const current = base.jobId === job.id || (base.jobId === null && sameVersion(base, job));
  if (type === 'job.done') {
    return {
      ...base,
      ...(current
        ? { state: 'uploaded', size: job.size, mtimeMs: job.mtimeMs, jobId: job.id }
        : {}),
      uploadedSize: job.size,
      uploadedMtimeMs: job.mtimeMs,
    };
  }
  if (!current) return base;
  return { ...base, jobId: job.id, state: type === 'job.failed' ? 'failed' : 'cancelled' };
}

/** Whether the entry already records how this job ended: a late hand-over must not undo that. */
export function hasOutcomeFor(entry: JournalEntry | undefined, jobId: string | undefined): boolean {
  return (
    entry !== undefined &&
    jobId !== undefined &&
    entry.jobId === jobId &&
    (entry.state === 'uploaded' || entry.state === 'failed' || entry.state === 'cancelled')
  );
}
