import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';
import { api } from '../shared/agent-client.ts';
import type { JobView } from '../shared/job-view.ts';

/** What the tray and the Activity window draw, as the agent sums it up (`activity.summary`). */
export type ActivitySummary = inferRouterOutputs<AppRouter>['activity']['summary'];

export function agentSummary(): Promise<ActivitySummary> {
  return api.activity.summary.query();
}

/** The jobs, newest first, a page at a time. */
export async function jobPage(
  cursor: string | null,
  limit: number,
): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
  const page = await api.queue.list.query({ order: 'newest', limit, cursor });
  return { jobs: page.jobs, nextCursor: page.nextCursor };
}
