import type { JobView, PauseKind } from './job-view.ts';
import type { LiveProgress } from './live-jobs.ts';

/** What a waiting job waits for, in the words of the Activity window and the tray. */
export const WAITING_FOR: Record<PauseKind, string> = {
  user: 'Paused by you',
  auth: 'Waiting for sign-in',
  offline: 'Waiting for the network',
  'disk-full': 'Waiting: the disk is full',
};

export type Tone = 'neutral' | 'active' | 'success' | 'warning' | 'danger';

export interface StateWords {
  /** One or two words: "Uploading", "Failed". */
  word: string;
  /** What to know beside it: the reason, what it waits for; empty when nothing. */
  detail: string;
  tone: Tone;
}

/** A job's state in words; colour never says it alone. */
export function stateWords(job: JobView, now = Date.now()): StateWords {
  switch (job.state) {
    case 'queued':
      return job.waitingFor
        ? { word: 'Waiting', detail: WAITING_FOR[job.waitingFor], tone: 'warning' }
        : { word: 'Queued', detail: '', tone: 'neutral' };
    case 'running':
      return { word: 'Uploading', detail: '', tone: 'active' };
    case 'retrying':
      return { word: 'Retrying', detail: job.message ?? retryWords(job, now), tone: 'warning' };
    case 'done':
      return { word: 'Done', detail: '', tone: 'success' };
    case 'failed':
      return { word: 'Failed', detail: job.message ?? job.error ?? '', tone: 'danger' };
    case 'cancelled':
      return { word: 'Cancelled', detail: '', tone: 'neutral' };
  }
}

/** "retrying in 40 s: Google Drive answered 503", as the engine's contract words it. */
function retryWords(job: JobView, now: number): string {
  const seconds = job.nextAttemptAt ? Math.ceil((job.nextAttemptAt.getTime() - now) / 1000) : 0;
  const when = seconds > 0 ? `retrying in ${seconds} s` : 'retrying now';
  return job.error ? `${when}: ${job.error}` : when;
}

/** The bytes a job has sent, the live figure first. */
export function sentOf(job: JobView, live: LiveProgress | null): number {
  return Math.min(job.size, Math.max(job.sentBytes, live?.sentBytes ?? 0));
}

/** Whether a person can still stop it, and whether it can be tried again. */
export function canCancel(job: JobView): boolean {
  return job.state === 'queued' || job.state === 'running' || job.state === 'retrying';
}

export function canRetry(job: JobView): boolean {
  return job.state === 'failed' || job.state === 'cancelled';
}
