import { TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../ipc/server/app-router.ts';
import { api } from '../shared/agent-client.ts';

/** One batch of finished uploads, as its notification summed it up (`review.get`). */
export type ReviewBatch = inferRouterOutputs<AppRouter>['review']['get'];

export type BatchAnswer =
  | { kind: 'found'; batch: ReviewBatch }
  /** The agent no longer keeps it (it keeps the recent ones), or never had it. */
  | { kind: 'missing' };

export async function loadBatch(batchId: string): Promise<BatchAnswer> {
  try {
    return { kind: 'found', batch: await api.review.get.query({ batchId }) };
  } catch (error) {
    if (error instanceof TRPCClientError && error.data?.code === 'NOT_FOUND') {
      return { kind: 'missing' };
    }
    throw error;
  }
}
