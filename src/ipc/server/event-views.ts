import { z } from 'zod';
import { authStatusSchema, signInOutcomeSchema } from '../../core/auth/auth-status.ts';
import { settingKeySchema } from '../../core/config/settings-schema.ts';
import type { AgentEvents } from '../../core/agent-events.ts';
import type { AnyBusEvent, Resync } from '../../core/events/event-bus.ts';
import { historyStatusSchema } from '../../core/history/history-record.ts';
import { notificationBatchSchema } from '../../core/notifications/notification-batch.ts';
import {
  activitySummarySchema,
  historyStatusViewSchema,
  pauseViewSchema,
  toActivitySummary,
  toPauseView,
} from './api-views.ts';
import { jobViewSchema, toJobView, type JobViewContext } from './job-view.ts';

const jobEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), at: z.date(), data: z.object({ job: jobViewSchema }) });
const event = <T extends string, S extends z.ZodType>(type: T, data: S) =>
  z.object({ type: z.literal(type), at: z.date(), data });

/**
 * Every event of the `events` subscription, as subscribers get it: jobs as JobViews, pauses with
 * their words, the activity summary, and `resync` where events could not be delivered (re-read
 * the state: the agent restarted, the events after the last id seen are no longer kept, or the
 * subscriber fell behind).
 */
export const agentEventViewSchema = z.discriminatedUnion('type', [
  jobEvent('job.queued'),
  jobEvent('job.started'),
  jobEvent('job.done'),
  jobEvent('job.cancelled'),
  event('job.failed', z.object({ job: jobViewSchema, willRetry: z.boolean() })),
  event(
    'job.progress',
    z.object({
      jobId: z.string(),
      sentBytes: z.number(),
      confirmedBytes: z.number(),
      size: z.number(),
      rateBytesPerSecond: z.number().nullable(),
      etaSeconds: z.number().nullable(),
    }),
  ),
  event('queue.paused', pauseViewSchema),
  event('queue.resumed', z.object({})),
  event('auth.changed', z.object({ status: authStatusSchema })),
  event('auth.attemptEnded', z.object({ attemptId: z.string(), outcome: signInOutcomeSchema })),
  event(
    'watch.rule',
    z.object({
      ruleId: z.string(),
      state: z.enum(['watching', 'scanning', 'folder-missing', 'error', 'paused', 'removed']),
      reason: z.string().nullable(),
    }),
  ),
  event(
    'watch.warning',
    z.object({
      ruleId: z.string(),
      code: z.enum([
        'unreadable',
        'watch-limit',
        'watcher-error',
        'enqueue-failed',
        'after-upload-failed',
        'skipped',
      ]),
      message: z.string(),
      path: z.string().optional(),
    }),
  ),
  event(
    'history.recorded',
    z.object({
      id: z.string(),
      name: z.string(),
      status: historyStatusSchema,
      finishedAt: z.date(),
    }),
  ),
  event('history.sync', historyStatusViewSchema.omit({ backend: true, mongodbConfigured: true })),
  event('history.cleared', z.object({ removed: z.number(), before: z.date().nullable() })),
  event('activity.changed', z.object({ summary: activitySummarySchema })),
  event('settings.changed', z.object({ keys: z.array(settingKeySchema) })),
  event('notifications.batch', z.object({ batch: notificationBatchSchema })),
  event('resync', z.object({ reason: z.enum(['restarted', 'gap', 'behind']) })),
]);
export type AgentEventView = z.infer<typeof agentEventViewSchema>;

/** A bus event (or a stream's resync) as subscribers get it; parsed, so nothing else leaks. */
export function toEventView(
  event: AnyBusEvent<AgentEvents> | Resync,
  ctx: Omit<JobViewContext, 'now'>,
): AgentEventView {
  const { type, at } = event;
  const jobs = { ...ctx, now: at.getTime() };
  const view = (data: unknown) => agentEventViewSchema.parse({ type, at, data });
  switch (event.type) {
    case 'job.queued':
    case 'job.started':
    case 'job.done':
    case 'job.cancelled':
      return view({ job: toJobView(event.data.job, jobs) });
    case 'job.failed':
      return view({ ...event.data, job: toJobView(event.data.job, jobs) });
    case 'job.progress': {
      const live = ctx.progressOf(event.data.jobId);
      return view({
        ...event.data,
        rateBytesPerSecond: live?.rateBytesPerSecond ?? null,
        etaSeconds: live?.etaSeconds ?? null,
      });
    }
    case 'queue.paused':
      return view(toPauseView(event.data.pause));
    case 'activity.changed':
      return view({ summary: toActivitySummary(event.data.summary, jobs) });
    default:
      return view(event.data);
  }
}
