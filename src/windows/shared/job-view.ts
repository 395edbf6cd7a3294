import { TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/app-router.ts';

/**
 * ADAPTER (one place to change when the API's views land): a job as the pages show it, the
 * `JobView` of the API contract (notes/contracts.md, issue 15). Until the API answers JobViews,
 * `jobViewOf` makes one from the job row `queue.list`/`queue.get` and the job events carry today,
 * with the bytes sent filled in from `job.progress` events. Once the router's outputs are JobViews,
 * this type becomes `Outputs['queue']['list']['jobs'][number]` and `jobViewOf` the identity.
 */
export type JobState = 'queued' | 'running' | 'retrying' | 'done' | 'failed' | 'cancelled';
export type PauseKind = 'user' | 'auth' | 'offline' | 'disk-full';

export interface JobView {
  id: string;
  name: string;
  path: string;
  folderPath: string;
  source: 'drop' | 'cli' | 'watch' | 'browser';
  state: JobState;
  waitingFor: PauseKind | null;
  size: number;
  sentBytes: number;
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
  attempts: number;
  nextAttemptAt: Date | null;
  message: string | null;
  error: string | null;
  webViewLink: string | null;
  driveFileId: string | null;
  md5: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A job as the API answers it today (the engine's row). */
export type ApiJob = inferRouterOutputs<AppRouter>['queue']['list']['jobs'][number];

/** A JobView from what the API sent: a JobView already, or today's job row. */
export function jobViewOf(job: ApiJob | JobView, pause: PauseKind | null = null): JobView {
  if ('sentBytes' in job) return job;
  const waiting = job.state === 'queued' || job.state === 'retrying';
  return {
    id: job.id,
    name: job.name,
    path: job.path,
    folderPath: job.folderPath,
    source: job.source,
    state: job.state,
    waitingFor: waiting ? pause : null,
    size: job.size,
    sentBytes: job.state === 'done' ? job.size : job.confirmedBytes,
    rateBytesPerSecond: null,
    etaSeconds: null,
    attempts: job.attempts,
    nextAttemptAt: job.nextAttemptAt,
    message: null,
    error: job.error,
    webViewLink: job.webViewLink,
    driveFileId: job.driveFileId,
    md5: job.md5,
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/**
 * The agent answered that it has no such procedure: an older API, before the views landed. tRPC
 * says it two ways: "No procedure found on path …" over HTTP, 'No "query"-procedure on path …'
 * over a message port.
 */
export function isMissingProcedure(error: unknown): boolean {
  return (
    error instanceof TRPCClientError &&
    (error.data as { code?: string } | undefined)?.code === 'NOT_FOUND' &&
    /^No (procedure found|"\w+"-procedure) on path /.test(error.message)
  );
}
