import { extname } from 'node:path';
import { z } from 'zod';
import type { Job, JobSource } from '../queue/job.ts';

export const historyStatusSchema = z
  .enum(['uploaded', 'skipped', 'failed', 'cancelled'])
  .describe('"skipped": an identical file was already in the destination folder.');
export type HistoryStatus = z.infer<typeof historyStatusSchema>;

export const jobSourceSchema = z.enum([
  'drop',
  'watch',
  'cli',
  'browser',
]) satisfies z.ZodType<JobSource>;

/** One finished upload job, as the history keeps it and both backends return it. */
export const historyRecordSchema = z.object({
  id: z.string().describe("The job's id."),
  name: z.string(),
  path: z.string().describe('Absolute path of the local file.'),
  machine: z.string(),
  accountEmail: z.string().nullable(),
  driveFileId: z.string().nullable(),
  webViewLink: z.string().nullable(),
  folderPath: z.string().describe('Destination folder path in Drive.'),
  size: z.int().min(0),
  mimeType: z.string(),
  extension: z.string().describe('Lower case, without the dot; empty when the name has none.'),
  md5: z.string().nullable(),
  source: jobSourceSchema,
  ruleId: z.string().nullable(),
  status: historyStatusSchema,
  error: z.string().nullable(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date(),
  durationMs: z.int().nullable().describe('From start to finish; null when it never started.'),
  trashedAt: z
    .date()
    .nullable()
    .describe("When it was moved to Drive's trash from DriveUp; null while it is in Drive."),
});
export type HistoryRecord = z.infer<typeof historyRecordSchema>;

/** What the job itself does not know about where and by whom it ran. */
export interface RecordContext {
  machineName: string;
  accountEmail: string | null;
  /** The job is done because an identical file was already there (conflict policy). */
  skippedIdentical?: boolean;
}

export function recordFromJob(job: Job, context: RecordContext): HistoryRecord {
  const finishedAt = job.finishedAt ?? job.updatedAt;
  return {
    id: job.id,
    name: job.name,
    path: job.path,
    machine: context.machineName,
    accountEmail: context.accountEmail,
    driveFileId: job.driveFileId,
    webViewLink: job.webViewLink,
    folderPath: job.folderPath,
    size: job.size,
    mimeType: job.mimeType.toLowerCase(),
    extension: extensionOf(job.name),
    md5: job.md5,
    source: job.source,
    ruleId: job.ruleId,
    status: statusOf(job, context),
    error: job.error,
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    finishedAt,
    durationMs: job.startedAt ? Math.max(0, finishedAt.getTime() - job.startedAt.getTime()) : null,
    trashedAt: null,
  };
}

export function extensionOf(name: string): string {
  return normaliseExtension(extname(name));
}

/** `.JPG`, `jpg` and `Jpg` are one extension. */
export function normaliseExtension(extension: string): string {
  return extension.replace(/^\.+/, '').toLowerCase();
}

function statusOf(job: Job, context: RecordContext): HistoryStatus {
  switch (job.state) {
    case 'done':
      return context.skippedIdentical ? 'skipped' : 'uploaded';
    case 'failed':
    case 'cancelled':
      return job.state;
    default:
      throw new Error(`Job ${job.id} is ${job.state}: only finished jobs go into the history`);
  }
}
