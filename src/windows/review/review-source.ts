import { TRPCClientError } from '@trpc/client';
import { api } from '../shared/agent-client.ts';
import { isMissingProcedure } from '../shared/job-view.ts';

/**
 * ADAPTER for the Review window (the one place to change when the API has it): `review.get({
 * batchId })` of the API contract (notes/contracts.md) answers one batch of finished uploads as a
 * notification summed it up. Typed here until the router has the procedure; then this cast goes
 * and the type is the router's output.
 */
export interface ReviewBatch {
  id: string;
  startedAt: Date;
  endedAt: Date;
  jobs: Array<{
    jobId: string;
    name: string;
    /** The Drive folder path it went to. */
    folder: string;
    state: 'done' | 'failed';
    error: string | null;
    webViewLink: string | null;
  }>;
  summary: string;
}

interface ReviewProcedures {
  review: { get: { query(input: { batchId: string }): Promise<ReviewBatch | null> } };
}

export type BatchAnswer =
  | { kind: 'found'; batch: ReviewBatch }
  /** The agent no longer keeps it (it keeps the recent ones), or never had it. */
  | { kind: 'missing' }
  /** The agent predates Review. */
  | { kind: 'unsupported' };

export async function loadBatch(batchId: string): Promise<BatchAnswer> {
  try {
    const batch = await (api as unknown as ReviewProcedures).review.get.query({ batchId });
    return batch ? { kind: 'found', batch } : { kind: 'missing' };
  } catch (error) {
    if (isMissingProcedure(error)) return { kind: 'unsupported' };
    if (error instanceof TRPCClientError && error.data?.code === 'NOT_FOUND') {
      return { kind: 'missing' };
    }
    throw error;
  }
}
