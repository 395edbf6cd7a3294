import { z } from 'zod';
import type { ActivityState } from '../../core/activity/activity-state.ts';
import { authStatusSchema } from '../../core/auth/auth-status.ts';
import { settingKeySchema, settingsSchema } from '../../core/config/settings-schema.ts';
import type { SettingKeyView, SettingsUpdateResult } from '../../core/config/settings-change.ts';
import { historyPageSchema } from '../../core/history/history-query.ts';
import type { HistoryServiceStatus } from '../../core/history/history-service.ts';
import { jobStateSchema } from '../../core/queue/job-schema.ts';
import { enqueueStatusSchema } from '../../core/queue/enqueue-result.ts';
import { pauseKindSchema, pauseSchema, type Pause } from '../../core/queue/pause-state.ts';
import { skippedPathSchema } from '../../core/queue/skipped-path.ts';
import type { WatchRuleStatus } from '../../core/watch/watch-rules.ts';
import { watchRuleInputSchema } from '../../core/watch/watch-rules.ts';
import { attentionMessage, pauseReason } from '../common/status-words.ts';
import { jobViewSchema, toJobView, type JobViewContext } from './job-view.ts';

/**
 * The API's output schemas: what each procedure answers and each event carries, as views for
 * people and windows. zod strips what a schema does not name, so nothing internal leaves the
 * agent by accident. Where the engine has a type of its own, `satisfies` ties the view to it.
 */

/** A pause as data, with the words a window shows for it. */
export const pauseViewSchema = pauseSchema.and(z.object({ reason: z.string() }));
export type PauseView = z.infer<typeof pauseViewSchema>;

export function toPauseView(pause: Pause): PauseView {
  return { ...pause, reason: pauseReason(pause) };
}

export const jobCountsSchema = z.record(jobStateSchema, z.number());

/** The queue's state: `queue.pause`, `queue.resume`, `agent.status().queue`. */
export const queueStateSchema = z.object({
  paused: z.boolean(),
  pauseKind: pauseKindSchema.nullable(),
  /** The pause in words (windows' words; the CLI words `pause` itself). */
  pauseReason: z.string().nullable(),
  pause: pauseViewSchema.nullable(),
  counts: jobCountsSchema,
});

export const jobPageSchema = z.object({
  jobs: z.array(jobViewSchema),
  nextCursor: z.string().nullable(),
});

export const plannedFileSchema = z.object({
  path: z.string(),
  name: z.string(),
  size: z.number(),
  folderPath: z.string(),
  added: enqueueStatusSchema,
  job: jobViewSchema.nullable(),
});

export const addAnswerSchema = z.object({
  jobs: z.array(jobViewSchema.extend({ added: enqueueStatusSchema })),
  plan: z.array(plannedFileSchema).nullable(),
  skipped: z.array(skippedPathSchema),
});

export const cancelAnswerSchema = z.object({ cancelled: z.boolean(), job: jobViewSchema });
export const retryAnswerSchema = z.object({ retried: z.number() });

/** What the tray icon, its tooltip and the Activity window draw from. */
export const activitySummarySchema = z.object({
  counts: jobCountsSchema,
  /** The current run: every job waiting or running since the queue was last idle. */
  run: z.object({
    filesDone: z.number(),
    filesTotal: z.number(),
    bytesDone: z.number(),
    bytesTotal: z.number(),
  }),
  /** Overall, smoothed; null when nothing is moving. */
  rateBytesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  /** The files uploading now (at most 20). */
  running: z.array(jobViewSchema),
  pause: pauseViewSchema.nullable(),
  attention: z.array(
    z.object({
      kind: z.enum(['failed', 'sign-in', 'disk-full', 'offline', 'mongodb']),
      /** Words for people: "3 uploads failed". */
      message: z.string(),
      count: z.number().nullable(),
    }),
  ),
});
export type ActivitySummary = z.infer<typeof activitySummarySchema>;

export function toActivitySummary(
  state: ActivityState,
  ctx: Omit<JobViewContext, 'pause'>,
): ActivitySummary {
  const jobCtx = { ...ctx, pause: state.pause };
  return {
    counts: state.counts,
    run: state.run,
    rateBytesPerSecond: state.rateBytesPerSecond,
    etaSeconds: state.etaSeconds,
    running: state.running.map(({ job }) => toJobView(job, jobCtx)),
    pause: state.pause && toPauseView(state.pause),
    attention: state.attention.map((item) => ({
      kind: item.kind,
      message: attentionMessage(item),
      count: item.count,
    })),
  };
}

export const settingKeyViewSchema = z.object({
  key: settingKeySchema,
  description: z.string().nullable(),
  appliesLive: z.boolean(),
  secret: z.enum(['whole', 'uri-password']).nullable(),
  overriddenBy: z.string().nullable(),
}) satisfies z.ZodType<SettingKeyView>;

export const settingsUpdateResultSchema = z.object({
  file: z.string(),
  agentRunning: z.boolean(),
  settings: settingsSchema,
  changes: z.array(
    z.object({
      key: settingKeySchema,
      value: z.unknown(),
      takesEffect: z.enum(['now', 'next-start']),
      overriddenBy: z.string().nullable(),
    }),
  ),
}) satisfies z.ZodType<SettingsUpdateResult>;

export const watchRuleStatusSchema = z.object({
  rule: watchRuleInputSchema.extend({ id: z.string(), createdAt: z.date(), updatedAt: z.date() }),
  state: z.enum(['watching', 'scanning', 'folder-missing', 'error', 'paused']),
  reason: z.string().nullable(),
  counts: z.object({
    seen: z.number(),
    pending: z.number(),
    queued: z.number(),
    retrying: z.number(),
    uploaded: z.number(),
    failed: z.number(),
    cancelled: z.number(),
    skipped: z.number(),
  }),
}) satisfies z.ZodType<WatchRuleStatus>;

export const historyStatusViewSchema = z.object({
  state: z.enum(['off', 'connecting', 'idle', 'syncing', 'failing']),
  waiting: z.number(),
  refused: z.number(),
  lastRefusal: z.string().nullable(),
  lastError: z.string().nullable(),
  lastSyncedAt: z.date().nullable(),
  reachable: z.boolean(),
  message: z.string(),
  backend: z.enum(['mongodb', 'local']),
  mongodbConfigured: z.boolean(),
}) satisfies z.ZodType<HistoryServiceStatus>;

export { authStatusSchema, historyPageSchema, jobViewSchema, settingsSchema };
