import type { Job, JobState } from '../queue/job.ts';
import type { Pause } from '../queue/pause-state.ts';

/** A job uploading now, with what the progress events say of it. */
export interface RunningJob {
  job: Job;
  sentBytes: number;
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
}

/**
 * What needs a person: failed uploads (`count`), a sign-in, a full disk, no network, MongoDB
 * refusing records (`count`, `detail` its reason). Data only: each face words it.
 */
export type AttentionItem =
  | { kind: 'failed'; count: number }
  | { kind: 'sign-in'; count: null }
  | { kind: 'disk-full'; count: null; mount: string }
  | { kind: 'offline'; count: null }
  | { kind: 'mongodb'; count: number; detail: string | null };

/** What the agent is doing, as the tray and the Activity window draw it (before words). */
export interface ActivityState {
  counts: Record<JobState, number>;
  /** The current run: every job waiting or running since the queue was last idle. */
  run: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number };
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
  running: RunningJob[];
  pause: Pause | null;
  attention: AttentionItem[];
}
