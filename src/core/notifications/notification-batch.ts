import { z } from 'zod';

/** One finished upload as a notification (and the Review window) shows it. */
export const batchJobSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  /** The Drive folder path it went to. */
  folder: z.string(),
  state: z.enum(['done', 'failed']),
  error: z.string().nullable(),
  webViewLink: z.string().nullable(),
});
export type BatchJob = z.infer<typeof batchJobSchema>;

/**
 * The uploads that finished within one batch window, summarised in one sentence: what a
 * notification says and what the Review window opens (`review.get({ batchId })`).
 */
export const notificationBatchSchema = z.object({
  id: z.string(),
  startedAt: z.date(),
  endedAt: z.date(),
  jobs: z.array(batchJobSchema),
  summary: z.string(),
});
export type NotificationBatch = z.infer<typeof notificationBatchSchema>;
