import type { Job } from './job.ts';
import type { Pause } from './pause-state.ts';

/** Events the queue area emits on the agent's bus (name → payload). */
export interface QueueEvents {
  /** A job was created, or went back to waiting (re-queued, recovered, restarted on new content). */
  'job.queued': { job: Job };
  /** An attempt began; the job is `running` in the database already. */
  'job.started': { job: Job };
  /** Bytes sent (for display) and bytes Drive confirmed (persisted, survive a crash). */
  'job.progress': { jobId: string; sentBytes: number; confirmedBytes: number; size: number };
  'job.done': { job: Job };
  /** An attempt failed: `willRetry` when the job is `retrying`, false when it is `failed`. */
  'job.failed': { job: Job; willRetry: boolean };
  'job.cancelled': { job: Job };
  /**
   * The queue stopped starting uploads, or the reason it reports changed: a person's pause (which
   * also stops running uploads), a full disk (likewise), expired sign-in, or no network.
   */
  'queue.paused': { pause: Pause };
  'queue.resumed': Record<string, never>;
}
