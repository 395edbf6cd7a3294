import { batch, computed, signal, type Signal } from '@preact/signals';
import { api, onResync } from '../shared/agent-client.ts';
import { desktop } from '../shared/bridge.ts';
import { errorMessage } from '../shared/error-message.ts';
import type { JobView } from '../shared/job-view.ts';
import { onJobChange, startLiveJobs } from '../shared/live-jobs.ts';
import { sendToAgent, type Sending } from './send-file.ts';

/**
 * One thing a person handed to the Upload window, from the moment it was dropped:
 * - `waiting`: in line to be sent to the agent (web mode);
 * - `sending`: its bytes are on their way to the agent (web mode);
 * - `adding`: the agent is being asked to queue it (desktop app: its path);
 * - `queued` / `uploading` / `retrying` / `done` / `failed` / `cancelled`: its upload job's state;
 * - `refused`: the agent would not take it (`error` says why).
 */
export type Phase =
  | 'waiting'
  | 'sending'
  | 'adding'
  | 'queued'
  | 'uploading'
  | 'retrying'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'refused';

export interface UploadItem {
  key: string;
  name: string;
  /** Drive folder it goes to. */
  folder: string;
  size: number;
  phase: Phase;
  /** Bytes sent to the agent (web mode). */
  sent: number;
  /** Web mode: the file's bytes, kept until the agent has them (a retry sends them again). */
  file: File | null;
  /** Desktop app: where the file is on this machine; nothing is copied. */
  path: string | null;
  job: JobView | null;
  /** The agent's answer when it had this file already. */
  already: 'queued' | 'uploaded' | null;
  error: string | null;
}

/** What the agent left out of a dropped folder, with its reason. */
export interface SkippedItem {
  path: string;
  message: string;
}

/** Every item, newest drop last; each row watches its own item's signal. */
export const items = signal<Array<Signal<UploadItem>>>([]);
export const skipped = signal<SkippedItem[]>([]);
/** Paths being added in the desktop app, before the agent answered with their jobs. */
export const adding = signal(0);

export const totals = computed(() => {
  const counts = { done: 0, failed: 0, active: 0 };
  for (const item of items.value) {
    const { phase } = item.value;
    if (phase === 'done') counts.done++;
    else if (phase === 'failed' || phase === 'refused') counts.failed++;
    else if (phase !== 'cancelled') counts.active++;
  }
  return { ...counts, all: items.value.length };
});

const byJob = new Map<string, Signal<UploadItem>>();
/** Job events that arrived before the answer that named their job (a fast upload). */
const early = new Map<string, JobView>();
const sendings = new Map<string, Sending>();
const SEND_AT_ONCE = 2;
let nextKey = 0;

function update(item: Signal<UploadItem>, patch: Partial<UploadItem>): void {
  item.value = { ...item.value, ...patch };
}

function newItem(fields: Pick<UploadItem, 'name' | 'folder' | 'size'> & Partial<UploadItem>) {
  return signal<UploadItem>({
    key: String(nextKey++),
    phase: 'waiting',
    sent: 0,
    file: null,
    path: null,
    job: null,
    already: null,
    error: null,
    ...fields,
  });
}

const PHASE_OF_STATE: Record<JobView['state'], Phase> = {
  queued: 'queued',
  running: 'uploading',
  retrying: 'retrying',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** How far along a job is: an answer read before an event must not undo what the event said. */
const PROGRESS_RANK: Record<JobView['state'], number> = {
  queued: 0,
  retrying: 1,
  running: 2,
  done: 3,
  failed: 3,
  cancelled: 3,
};

/** Follows a job from an answer (queue.add, queue.get), keeping what events said since if newer. */
function follow(item: Signal<UploadItem>, job: JobView): void {
  byJob.set(job.id, item);
  const seen = early.get(job.id) ?? (item.value.job?.id === job.id ? item.value.job : null);
  early.delete(job.id);
  const latest = seen && PROGRESS_RANK[seen.state] > PROGRESS_RANK[job.state] ? seen : job;
  update(item, { job: latest, phase: PHASE_OF_STATE[latest.state], error: latest.error });
}

function onJob(job: JobView): void {
  const item = byJob.get(job.id);
  if (!item) {
    early.set(job.id, job);
    if (early.size > 2000) early.delete(early.keys().next().value!);
    return;
  }
  update(item, { job, phase: PHASE_OF_STATE[job.state], error: job.error });
}

// ---- Web mode: each file's bytes go to the agent, one request per file, two at a time.

/** Files a browser handed over (a drop, a picker), each with the Drive folder it goes to. */
export function addFiles(files: Array<{ file: File; folder: string }>): void {
  const added = files.map(({ file, folder }) =>
    newItem({ name: file.name, folder, size: file.size, file }),
  );
  items.value = [...items.value, ...added];
  pump();
}

function pump(): void {
  for (const item of items.value) {
    if (sendings.size >= SEND_AT_ONCE) return;
    if (item.value.phase === 'waiting') send(item);
  }
}

function send(item: Signal<UploadItem>): void {
  const { file, folder, key } = item.value;
  update(item, { phase: 'sending', sent: 0, error: null });
  const sending = sendToAgent(file!, folder, {
    onProgress: (sent) => update(item, { sent }),
  });
  sendings.set(key, sending);
  void sending.done.then((answer) => {
    sendings.delete(key);
    if (answer.kind === 'queued') void track(item, answer.jobIds[0]!);
    else if (answer.kind === 'aborted') update(item, { phase: 'cancelled' });
    else update(item, { phase: 'refused', error: answer.message });
    pump();
  });
}

/** The agent has the file: its job, read once, then followed through the events. */
async function track(item: Signal<UploadItem>, jobId: string): Promise<void> {
  // The file is the agent's now: drop the browser's hold on its bytes.
  update(item, { phase: 'queued', file: null, sent: item.value.size });
  byJob.set(jobId, item);
  try {
    follow(item, await api.queue.get.query({ id: jobId }));
  } catch {
    // The events bring its state; a reconnection re-reads it (see resync below).
  }
}

// ---- Desktop app: the agent is given the paths; nothing is copied.

/** Paths of dropped or chosen files and folders (desktop app), all for one Drive folder. */
export async function addPaths(paths: string[], folder: string): Promise<void> {
  adding.value += paths.length;
  try {
    const answer = await api.queue.add.mutate({ paths, folder, source: 'drop' });
    batch(() => {
      const added = answer.jobs.map((job) => {
        const item = newItem({
          name: job.name,
          folder: job.folderPath,
          size: job.size,
          path: job.path,
          already: alreadyOf(job.added),
        });
        follow(item, job);
        return item;
      });
      items.value = [...items.value, ...added];
      skipped.value = [...skipped.value, ...answer.skipped];
    });
  } catch (error) {
    const refused = paths.map((path) =>
      newItem({
        name: path.split(/[/\\]/).pop() || path,
        folder,
        size: 0,
        path,
        phase: 'refused',
        error: errorMessage(error),
      }),
    );
    items.value = [...items.value, ...refused];
  } finally {
    adding.value -= paths.length;
  }
}

function alreadyOf(added: 'queued' | 'already-queued' | 'already-uploaded'): UploadItem['already'] {
  if (added === 'already-uploaded') return 'uploaded';
  return added === 'already-queued' ? 'queued' : null;
}

// ---- Actions on one item.

export async function retry(item: Signal<UploadItem>): Promise<void> {
  const { job, file, path, folder } = item.value;
  if (job && (job.state === 'failed' || job.state === 'cancelled')) {
    update(item, { error: null });
    try {
      await api.queue.retry.mutate({ id: job.id });
    } catch (error) {
      update(item, { error: errorMessage(error) });
    }
    return;
  }
  if (file) {
    update(item, { phase: 'waiting', error: null });
    return pump();
  }
  if (path) {
    items.value = items.value.filter((other) => other !== item);
    await addPaths([path], folder);
  }
}

export async function cancel(item: Signal<UploadItem>): Promise<void> {
  const { key, job, phase } = item.value;
  if (phase === 'waiting') return update(item, { phase: 'cancelled' });
  const sending = sendings.get(key);
  if (sending) return sending.abort();
  if (!job) return;
  try {
    await api.queue.cancel.mutate({ id: job.id });
  } catch (error) {
    update(item, { error: errorMessage(error) });
  }
}

/** Done, failed and cancelled items leave the list; the history keeps them. */
export function clearFinished(): void {
  items.value = items.value.filter((item) => {
    const finished = ['done', 'cancelled', 'refused', 'failed'].includes(item.value.phase);
    if (finished && item.value.job) byJob.delete(item.value.job.id);
    return !finished;
  });
  skipped.value = [];
}

export function startUploads(): void {
  startLiveJobs();
  onJobChange(onJob);
  onResync(() => {
    for (const [id, item] of byJob) {
      void api.queue.get.query({ id }).then(
        (job) => follow(item, job),
        () => undefined,
      );
    }
  });
}

export const isDesktop = desktop !== undefined;
