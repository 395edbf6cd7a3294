import { batch, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { onAgentEvent, onResync } from './agent-client.ts';
import type { JobView, PauseKind } from './job-view.ts';

/** Bytes sent of a running job, live, with the rate measured from the progress events. */
export interface LiveProgress {
  sentBytes: number;
  size: number;
  /** Bytes per second, smoothed over the last seconds; null until two events arrived. */
  rate: number | null;
  /** When the last event arrived (ms, performance.now()). */
  at: number;
}

export interface QueuePause {
  kind: PauseKind;
  reason: string;
}

/** Why the queue holds, as the last `queue.paused`/`queue.resumed` event said; pages seed it. */
export const queuePause = signal<QueuePause | null>(null);

const progress = new Map<string, Signal<LiveProgress | null>>();
const pending = new Map<string, { sentBytes: number; size: number; at: number }>();
const jobListeners = new Set<(job: JobView) => void>();
let frame = 0;

/** The live progress of one job; null until an event about it arrived. */
export function liveProgress(jobId: string): ReadonlySignal<LiveProgress | null> {
  let found = progress.get(jobId);
  if (!found) progress.set(jobId, (found = signal(null)));
  return found;
}

/** Every change of a job's state (queued, started, done, failed, cancelled), as a JobView. */
export function onJobChange(listener: (job: JobView) => void): () => void {
  jobListeners.add(listener);
  return () => jobListeners.delete(listener);
}

/**
 * Progress events arrive up to hundreds a second; bars repaint once per frame with the newest
 * figures of each job, so a busy queue costs one small repaint per frame, not one per event.
 */
function queueProgress(jobId: string, sentBytes: number, size: number): void {
  pending.set(jobId, { sentBytes, size, at: performance.now() });
  if (frame) return;
  frame = requestAnimationFrame(flush);
  // A hidden page gets no frames: the figures still move on, a few times a second.
  if (document.hidden) setTimeout(flush, 250);
}

function flush(): void {
  cancelAnimationFrame(frame);
  frame = 0;
  batch(() => {
    for (const [jobId, next] of pending) {
      const live = liveProgress(jobId) as Signal<LiveProgress | null>;
      live.value = { ...next, rate: smoothedRate(live.value, next) };
    }
  });
  pending.clear();
}

/** A rate that follows changes within a few seconds without jumping at every chunk. */
function smoothedRate(
  last: LiveProgress | null,
  next: { sentBytes: number; at: number },
): number | null {
  if (!last || next.sentBytes < last.sentBytes) return null;
  const seconds = (next.at - last.at) / 1000;
  if (seconds <= 0) return last.rate;
  const now = (next.sentBytes - last.sentBytes) / seconds;
  if (last.rate === null) return now;
  const weight = 1 - Math.exp(-seconds / 3);
  return last.rate + (now - last.rate) * weight;
}

function jobChanged(view: JobView): void {
  if (view.state !== 'running') endProgress(view);
  for (const listener of jobListeners) listener(view);
}

/** A job that stopped running keeps no rate; a finished one shows all its bytes sent. */
function endProgress(view: JobView): void {
  pending.delete(view.id);
  const live = progress.get(view.id);
  if (!live?.value) return;
  live.value = view.state === 'done' ? { ...live.value, sentBytes: view.size, rate: null } : null;
}

const JOB_EVENTS = new Set([
  'job.queued',
  'job.started',
  'job.done',
  'job.failed',
  'job.cancelled',
]);

let started = false;

/** Listens to the agent's job and queue events for this page (once, whoever asks first). */
export function startLiveJobs(): void {
  if (started) return;
  started = true;
  onAgentEvent((event) => {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'job.progress') {
      const { jobId, sentBytes, size } = data as { jobId: string; sentBytes: number; size: number };
      return queueProgress(jobId, sentBytes, size);
    }
    if (JOB_EVENTS.has(event.type)) return jobChanged(data.job as JobView);
    if (event.type === 'queue.paused') queuePause.value = data as unknown as QueuePause;
    if (event.type === 'queue.resumed') queuePause.value = null;
  });
  // Figures from before a reconnection may be stale: the next events bring them back.
  onResync(() => {
    for (const live of progress.values()) live.value = null;
  });
}
