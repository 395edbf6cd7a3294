import { signal } from '@preact/signals';
import { api, onAgentEvent, onResync } from '../shared/agent-client.ts';
import { errorMessage } from '../shared/error-message.ts';
import { onJobChange, startLiveJobs } from '../shared/live-jobs.ts';
import type { JobView } from '../shared/job-view.ts';
import { loadBatch, type ReviewBatch } from './review-source.ts';

export type ReviewState =
  | { state: 'no-batch' }
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'error'; message: string }
  | { state: 'ready'; batch: ReviewBatch };

/** One file of the batch as the page shows it now: the batch's word, then what happened since. */
export interface ReviewFile {
  jobId: string;
  name: string;
  folder: string;
  state: 'done' | 'failed' | 'queued' | 'running' | 'retrying' | 'cancelled';
  error: string | null;
  webViewLink: string | null;
  trashedAt: Date | null;
  /** A Move to Drive trash or Retry under way or refused. */
  busy: boolean;
  problem: string | null;
}

export const review = signal<ReviewState>({ state: 'loading' });
export const files = signal<ReviewFile[]>([]);

const batchId = new URLSearchParams(location.search).get('batch');

/** The load under way, if one is. */
let loading: Promise<void> | null = null;

export function load(): Promise<void> {
  loading ??= loadBatchFiles().finally(() => (loading = null));
  return loading;
}

/**
 * What changed while the page was not listening is read again. A load under way finishes first:
 * starting another would put the notification's snapshot back over what events have said since.
 */
function resync(): void {
  if (loading) return void loading.then(resync);
  void (review.value.state === 'ready' ? refreshFiles() : load());
}

async function loadBatchFiles(): Promise<void> {
  if (!batchId) {
    review.value = { state: 'no-batch' };
    return;
  }
  try {
    const answer = await loadBatch(batchId);
    if (answer.kind !== 'found') {
      review.value = { state: answer.kind };
      return;
    }
    review.value = { state: 'ready', batch: answer.batch };
    files.value = answer.batch.jobs.map((job) => ({
      ...job,
      trashedAt: null,
      busy: false,
      problem: null,
    }));
    await refreshFiles();
  } catch (error) {
    review.value = { state: 'error', message: errorMessage(error) };
  }
}

function change(jobId: string, patch: Partial<ReviewFile>): void {
  files.value = files.value.map((file) => (file.jobId === jobId ? { ...file, ...patch } : file));
}

/**
 * Jobs and records (`job <id>`, `record <id>`) an event changed while a refresh was reading them,
 * one set per refresh: what the event said is newer than what the refresh may answer (a retried
 * upload that finished meanwhile must not go back to uploading).
 */
const heardWhileRefreshing = new Set<Set<string>>();

/** What became of each file since the notification: retried, trashed. */
async function refreshFiles(): Promise<void> {
  const ids = files.value.map((file) => file.jobId);
  const heard = new Set<string>();
  heardWhileRefreshing.add(heard);
  try {
    await Promise.all(ids.map((id) => refreshFile(id, heard)));
  } finally {
    heardWhileRefreshing.delete(heard);
  }
}

async function refreshFile(id: string, heard: ReadonlySet<string>): Promise<void> {
  const [job, record] = await Promise.allSettled([
    api.queue.get.query({ id }),
    api.history.get.query({ id }),
  ]);
  const patch: Partial<ReviewFile> = {};
  const fresh = (about: string) => !heard.has(`${about} ${id}`);
  if (job.status === 'fulfilled' && fresh('job')) Object.assign(patch, fromJob(job.value));
  if (record.status === 'fulfilled' && fresh('record')) patch.trashedAt = record.value.trashedAt;
  change(id, patch);
}

/** An event about a file of the batch: newer than any answer a refresh is waiting for. */
function heardOf(about: 'job' | 'record', id: string, patch: Partial<ReviewFile>): void {
  if (!files.value.some((file) => file.jobId === id)) return;
  for (const heard of heardWhileRefreshing) heard.add(`${about} ${id}`);
  change(id, patch);
}

function fromJob(job: Pick<JobView, 'state' | 'error' | 'webViewLink'>): Partial<ReviewFile> {
  return { state: job.state, error: job.error, webViewLink: job.webViewLink };
}

export async function moveToTrash(file: ReviewFile): Promise<void> {
  change(file.jobId, { busy: true, problem: null });
  try {
    const record = await api.history.trash.mutate({ id: file.jobId });
    change(file.jobId, { busy: false, trashedAt: record.trashedAt });
  } catch (error) {
    change(file.jobId, { busy: false, problem: errorMessage(error) });
  }
}

export async function retry(file: ReviewFile): Promise<void> {
  change(file.jobId, { busy: true, problem: null });
  try {
    await api.queue.retry.mutate({ id: file.jobId });
    change(file.jobId, { busy: false });
  } catch (error) {
    change(file.jobId, { busy: false, problem: errorMessage(error) });
  }
}

export async function retryAllFailed(): Promise<void> {
  await Promise.all(files.value.filter((file) => file.state === 'failed').map(retry));
}

export function startReview(): void {
  startLiveJobs();
  onJobChange((job) => heardOf('job', job.id, fromJob(job)));
  onAgentEvent((event) => {
    if (event.type !== 'history.trashed') return;
    const { id, trashedAt } = event.data as { id: string; trashedAt: Date };
    heardOf('record', id, { trashedAt });
  });
  onResync(resync);
  void load();
}
