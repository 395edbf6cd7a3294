import { z } from 'zod';
import type { Job } from '../../core/queue/job.ts';
import { jobStateSchema } from '../../core/queue/job-schema.ts';
import type { Pause } from '../../core/queue/pause-state.ts';
import { pauseKindSchema } from '../../core/queue/pause-state.ts';
import { jobSourceSchema } from '../../core/history/history-record.ts';
import { enqueueStatusSchema } from '../../core/queue/enqueue-result.ts';
import { jobMessage } from '../common/status-words.ts';

/**
 * A job as a person and a window need it. Nothing internal: no resumable session URI (a bearer
 * capability for the upload), no lease or fingerprint columns, no scope of links. Every
 * procedure and event that carries a job carries this.
 */
export const jobViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The local file. */
  path: z.string(),
  /** The Drive folder path (`folderPath` everywhere: add, queue, history). */
  folderPath: z.string(),
  source: jobSourceSchema,
  /** The watch rule that found the file, if one did. */
  ruleId: z.string().nullable(),
  state: jobStateSchema,
  /** Set while the queue is paused and the job waits: which pause it waits for. */
  waitingFor: pauseKindSchema.nullable(),
  size: z.number(),
  /** Bytes sent: live while it runs, what Drive confirmed between attempts, all once done. */
  sentBytes: z.number(),
  /** Drive's confirmed offset (what a crash keeps); `sentBytes` may run ahead of it. */
  confirmedBytes: z.number(),
  rateBytesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  attempts: z.number(),
  nextAttemptAt: z.date().nullable(),
  /** One line for people: "retrying in 40 s: Drive answered 503", "waiting for the network". */
  message: z.string().nullable(),
  error: z.string().nullable(),
  webViewLink: z.string().nullable(),
  driveFileId: z.string().nullable(),
  md5: z.string().nullable(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export const addedJobViewSchema = jobViewSchema.extend({ added: enqueueStatusSchema });

/** What a view of a job needs besides the job: the queue's pause, the live figures, the time. */
export interface JobViewContext {
  pause: Pause | null;
  progressOf(
    jobId: string,
  ):
    { sentBytes: number; rateBytesPerSecond: number | null; etaSeconds: number | null } | undefined;
  now: number;
}

export function toJobView(job: Job, ctx: JobViewContext): JobView {
  const live = job.state === 'running' ? ctx.progressOf(job.id) : undefined;
  const waits = job.state === 'queued' || job.state === 'retrying';
  const waitingFor = waits && ctx.pause ? ctx.pause.kind : null;
  const sentBytes = job.state === 'done' ? job.size : (live?.sentBytes ?? job.confirmedBytes);
  return {
    id: job.id,
    name: job.name,
    path: job.path,
    folderPath: job.folderPath,
    source: job.source,
    ruleId: job.ruleId,
    state: job.state,
    waitingFor,
    size: job.size,
    sentBytes,
    confirmedBytes: job.state === 'done' ? job.size : job.confirmedBytes,
    rateBytesPerSecond: live?.rateBytesPerSecond ?? null,
    etaSeconds: live?.etaSeconds ?? null,
    attempts: job.attempts,
    nextAttemptAt: job.nextAttemptAt,
    message: jobMessage({ ...job, waitingFor }, ctx.now),
    error: job.error,
    webViewLink: job.webViewLink,
    driveFileId: job.driveFileId,
    md5: job.md5,
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}
