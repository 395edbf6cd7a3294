import { computed, signal } from '@preact/signals';
import { api, onAgentEvent, onResync } from '../shared/agent-client.ts';
import type { AuthStatus } from '../shared/api-types.ts';
import { errorMessage } from '../shared/error-message.ts';
import type { JobView } from '../shared/job-view.ts';
import { onJobChange, queuePause, startLiveJobs } from '../shared/live-jobs.ts';
import { agentSummary, jobPage, type ActivitySummary } from './activity-source.ts';

export type StateFilter =
  'all' | 'active' | 'waiting' | 'running' | 'retrying' | 'failed' | 'done' | 'cancelled';

export type Loaded =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready' };

/** The newest jobs the window keeps; older finished ones are in History. */
export const MAX_JOBS = 20_000;
const FIRST_PAGE = 200;
const PAGE = 1000;

export const loaded = signal<Loaded>({ state: 'loading' });
/** More jobs exist than the window holds (it keeps the newest MAX_JOBS). */
export const truncated = signal(false);
export const stateFilter = signal<StateFilter>('all');
export const nameFilter = signal('');
export const summary = signal<ActivitySummary | null>(null);
export const auth = signal<AuthStatus | null>(null);

const jobs = new Map<string, JobView>();
/** Job ids, newest first. */
let order: string[] = [];
/** Bumped (once per frame at most) when jobs change: what the list is computed from. */
const version = signal(0);

const MATCHES: Record<StateFilter, (job: JobView) => boolean> = {
  all: () => true,
  active: (job) => job.state === 'queued' || job.state === 'running' || job.state === 'retrying',
  waiting: (job) => job.state === 'queued',
  running: (job) => job.state === 'running',
  retrying: (job) => job.state === 'retrying',
  failed: (job) => job.state === 'failed',
  done: (job) => job.state === 'done',
  cancelled: (job) => job.state === 'cancelled',
};

/** The jobs the list shows, in order; recomputed only when jobs or filters change. */
export const visible = computed(() => {
  void version.value;
  const matches = MATCHES[stateFilter.value];
  const words = nameFilter.value.trim().toLowerCase();
  const shown: JobView[] = [];
  for (const id of order) {
    const job = jobs.get(id)!;
    if (matches(job) && (!words || job.name.toLowerCase().includes(words))) shown.push(job);
  }
  return shown;
});

let frame = 0;

/** Repaints the list at most once per frame however many jobs changed; a hidden page still updates. */
function touch(): void {
  if (frame) return;
  const bump = () => {
    if (!frame) return;
    cancelAnimationFrame(frame);
    frame = 0;
    version.value++;
  };
  frame = requestAnimationFrame(bump);
  if (document.hidden) setTimeout(bump, 250);
}

// ---- Loading

let generation = 0;
/**
 * Job changes heard while a load is under way: newer than what the load may answer (a job that
 * started after the agent read it must not go back to waiting).
 */
let heardWhileLoading: Map<string, JobView> | null = null;

/** Reads every job (newest first, a page at a time): the first page shows at once. */
export async function loadJobs(): Promise<void> {
  const mine = ++generation;
  const heard = new Map<string, JobView>();
  heardWhileLoading = heard;
  try {
    let page = await jobPage(null, FIRST_PAGE);
    if (mine !== generation) return;
    jobs.clear();
    order = [];
    for (;;) {
      for (const job of page.jobs) {
        if (!jobs.has(job.id)) order.push(job.id);
        jobs.set(job.id, job);
      }
      for (const job of heard.values()) remember(job);
      loaded.value = { state: 'ready' };
      touch();
      if (!page.nextCursor || order.length >= MAX_JOBS) break;
      page = await jobPage(page.nextCursor, PAGE);
      if (mine !== generation) return;
    }
    truncated.value = page.nextCursor !== null;
  } catch (error) {
    if (mine === generation) loaded.value = { state: 'error', message: errorMessage(error) };
  } finally {
    if (mine === generation) heardWhileLoading = null;
  }
}

function onJob(job: JobView): void {
  heardWhileLoading?.set(job.id, job);
  remember(job);
  touch();
}

function remember(job: JobView): void {
  if (!jobs.has(job.id)) order.unshift(job.id);
  jobs.set(job.id, job);
}

// ---- The summary (the agent's own)

let summarizing = false;
let again = false;
let timer: ReturnType<typeof setTimeout> | undefined;

function showSummary(next: ActivitySummary): void {
  summary.value = next;
  queuePause.value = next.pause;
}

/** At most four summaries a second (after an action; the agent's own changes come as events). */
export function summarizeSoon(): void {
  timer ??= setTimeout(() => {
    timer = undefined;
    void summarize();
  }, 250);
}

export async function summarize(): Promise<void> {
  if (summarizing) {
    again = true;
    return;
  }
  summarizing = true;
  try {
    showSummary(await agentSummary());
  } catch {
    // The banner says the agent is away; the last summary stays until it is back.
  } finally {
    summarizing = false;
    if (again) {
      again = false;
      summarizeSoon();
    }
  }
}

// ---- Actions

export const actionError = signal('');

async function act(action: () => Promise<unknown>): Promise<void> {
  actionError.value = '';
  try {
    await action();
  } catch (error) {
    actionError.value = errorMessage(error);
  } finally {
    summarizeSoon();
  }
}

export const pauseAll = () => act(() => api.queue.pause.mutate({}));
export const resumeAll = () => act(() => api.queue.resume.mutate());
export const retryFailed = () => act(() => api.queue.retry.mutate({ failed: true }));
export const cancelAll = () => act(() => api.queue.cancelAll.mutate({}));
export const cancelJob = (job: JobView) => act(() => api.queue.cancel.mutate({ id: job.id }));
export const retryJob = (job: JobView) => act(() => api.queue.retry.mutate({ id: job.id }));

async function loadAuth(): Promise<void> {
  try {
    auth.value = await api.auth.status.query();
  } catch {
    // The banner says the agent is away.
  }
}

export function startActivity(): void {
  startLiveJobs();
  onJobChange(onJob);
  onAgentEvent((event) => {
    if (event.type === 'auth.changed') auth.value = (event.data as { status: AuthStatus }).status;
    if (event.type === 'activity.changed') {
      showSummary((event.data as { summary: ActivitySummary }).summary);
    }
  });
  onResync(() => {
    void loadAuth();
    void summarize().then(loadJobs);
  });
  void loadAuth();
  void summarize();
  void loadJobs();
}
