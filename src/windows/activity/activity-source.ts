import type { HistorySyncStatus } from '../shared/api-types.ts';
import { api } from '../shared/agent-client.ts';
import { isMissingProcedure, jobViewOf, type JobView, type PauseKind } from '../shared/job-view.ts';
import type { LiveProgress, QueuePause } from '../shared/live-jobs.ts';

/**
 * ADAPTER for the Activity window (the one place to change when the API's views land): the
 * `activity.summary` query and `activity.changed` event of the API contract (notes/contracts.md),
 * and the job list as JobViews.
 *
 * The page asks `activity.summary` first. An agent without it (before the views landed) answers
 * "no procedure", and from then on the page works the summary out itself from what the API has
 * today: `agent.status` (counts, pause, sign-in), `history.status` (MongoDB) and the live jobs.
 * Once every agent has it, `summarizeLocally` and its inputs go.
 */
export interface ActivitySummary {
  counts: Record<JobView['state'], number>;
  /** The current run: every job that was waiting or running since the queue was last idle. */
  run: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number };
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
  running: JobView[];
  pause: { kind: PauseKind; reason: string } | null;
  attention: Array<{
    kind: 'failed' | 'sign-in' | 'disk-full' | 'offline' | 'mongodb';
    message: string;
    count: number | null;
  }>;
}

/** The procedure of the contract, typed here until the router has it. */
interface ActivityProcedures {
  activity: { summary: { query(): Promise<ActivitySummary> } };
}

/** Whether the agent offers `activity.summary`; unknown until asked. */
let summaryProcedure: boolean | null = null;

/** The agent's own summary, or null when it has none (then use `summarizeLocally`). */
export async function agentSummary(): Promise<ActivitySummary | null> {
  if (summaryProcedure === false) return null;
  try {
    const summary = await (api as unknown as ActivityProcedures).activity.summary.query();
    summaryProcedure = true;
    return summary;
  } catch (error) {
    if (!isMissingProcedure(error)) throw error;
    summaryProcedure = false;
    return null;
  }
}

/** Whether the agent announces changes itself (`activity.changed`). */
export function agentSummarizes(): boolean {
  return summaryProcedure === true;
}

export type AgentStatus = Awaited<ReturnType<typeof api.agent.status.query>>;

/** The jobs, newest first, a page at a time (JobViews). */
export async function jobPage(
  cursor: string | null,
  limit: number,
  pause: PauseKind | null,
): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
  const page = await api.queue.list.query({ order: 'newest', limit, cursor });
  return { jobs: page.jobs.map((job) => jobViewOf(job, pause)), nextCursor: page.nextCursor };
}

/** What the page knows, to work the summary out when the agent does not. */
export interface LocalFacts {
  status: AgentStatus;
  history: HistorySyncStatus | null;
  pause: QueuePause | null;
  /** The jobs of the current run (waiting or running since the queue was last idle). */
  run: readonly JobView[];
  progressOf(jobId: string): LiveProgress | null;
}

export function summarizeLocally(facts: LocalFacts): ActivitySummary {
  const { status, pause } = facts;
  const counts = status.queue.counts as ActivitySummary['counts'];
  const running = facts.run.filter((job) => job.state === 'running');
  let bytesDone = 0;
  let bytesTotal = 0;
  let rate = 0;
  for (const job of facts.run) {
    const live = facts.progressOf(job.id);
    bytesTotal += job.size;
    bytesDone += job.state === 'done' ? job.size : Math.max(job.sentBytes, live?.sentBytes ?? 0);
    if (job.state === 'running' && live?.rate) rate += live.rate;
  }
  const moving = rate > 0 ? rate : null;
  return {
    counts,
    run: {
      filesDone: facts.run.filter((job) => job.state === 'done').length,
      filesTotal: facts.run.length,
      bytesDone,
      bytesTotal,
    },
    rateBytesPerSecond: moving,
    etaSeconds: moving ? Math.max(0, (bytesTotal - bytesDone) / moving) : null,
    running: running.slice(0, 20),
    pause,
    attention: attentionOf(facts),
  };
}

function attentionOf({ status, history, pause }: LocalFacts): ActivitySummary['attention'] {
  const attention: ActivitySummary['attention'] = [];
  const failed = status.queue.counts.failed;
  if (failed > 0) {
    attention.push({
      kind: 'failed',
      message: failed === 1 ? '1 upload failed' : `${failed} uploads failed`,
      count: failed,
    });
  }
  if (status.auth.state === 'needs-sign-in' || status.auth.state === 'signed-out') {
    attention.push({ kind: 'sign-in', message: 'Sign in to continue uploading', count: null });
  }
  if (pause?.kind === 'disk-full') {
    attention.push({ kind: 'disk-full', message: pause.reason, count: null });
  }
  if (pause?.kind === 'offline') {
    attention.push({ kind: 'offline', message: pause.reason, count: null });
  }
  if (history?.mongodbConfigured && (history.state === 'failing' || history.refused > 0)) {
    const message = history.message.charAt(0).toUpperCase() + history.message.slice(1);
    attention.push({ kind: 'mongodb', message, count: history.refused || null });
  }
  return attention;
}
