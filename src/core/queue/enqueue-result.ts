import { z } from 'zod';
import type { Job } from './job.ts';

/**
 * What adding a file did: `queued` (a new upload, or a failed, cancelled or forced one started
 * over), `already-queued` (the same file for the same folder is waiting or uploading), or
 * `already-uploaded` (it is in that folder already: the job says since when and where).
 */
export const enqueueStatusSchema = z.enum(['queued', 'already-queued', 'already-uploaded']);
export type EnqueueStatus = z.infer<typeof enqueueStatusSchema>;

/** A job as `UploadQueue.enqueue` answers it, with what adding it did. */
export type AddedJob = Job & { added: EnqueueStatus };

/**
 * One file of a dry run: what adding it would do and where it would go, nothing written.
 * `job` is the existing job for the same file and folder, if any (the upload that makes it
 * `already-uploaded`, or a failed one that would start over).
 */
export interface PlannedFile {
  path: string;
  name: string;
  size: number;
  folderPath: string;
  added: EnqueueStatus;
  job: Job | null;
}
