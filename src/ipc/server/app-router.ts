import { tracked, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import type { Agent } from '../../core/agent.ts';
import { DRIVEUP_VERSION } from '../../core/version.ts';
import {
  authStatusSchema,
  signInOutcomeSchema,
  signInRequestResultSchema,
} from '../../core/auth/auth-status.ts';
import { MissingClientCredentialsError } from '../../core/auth/client-credentials.ts';
import { InvalidSettingsError } from '../../core/config/settings-error.ts';
import { settingsChangeSchema, settingsSchema } from '../../core/config/settings-schema.ts';
import {
  historyClearSchema,
  historyPageSchema,
  historyQuerySchema,
} from '../../core/history/history-query.ts';
import { historyRecordSchema } from '../../core/history/history-record.ts';
import { checkMongoConnection } from '../../core/history/mongo-connection-check.ts';
import { TrashError } from '../../core/history/trash-upload.ts';
import { notificationBatchSchema } from '../../core/notifications/notification-batch.ts';
import { AddPathError, addRequestSchema } from '../../core/queue/add-request.ts';
import type { Job } from '../../core/queue/job.ts';
import { jobStateSchema } from '../../core/queue/job-schema.ts';
import { JOB_STATES } from '../../core/queue/job-store.ts';
import { jobCursorSchema } from '../../core/queue/job-cursor.ts';
import { skippedPathSchema } from '../../core/queue/skipped-path.ts';
import { expandDestination, templateProblem } from '../../core/watch/destination-template.ts';
import {
  ruleIdSchema,
  watchRuleInputSchema,
  watchRuleUpdateSchema,
} from '../../core/watch/watch-rules.ts';
import { EnqueueError } from '../../core/queue/file-versions.ts';
import { DiskFullError } from '../../core/store/disk-full.ts';
import { WatchRuleError } from '../../core/watch/rule-placement.ts';
import { inputIssues, inputIssuesMessage } from '../common/input-issues.ts';
import { resolveId, type IdLookup } from './id-prefix.ts';
import {
  activitySummarySchema,
  addAnswerSchema,
  cancelAnswerSchema,
  historyStatusViewSchema,
  jobPageSchema,
  queueStateSchema,
  retryAnswerSchema,
  settingKeyViewSchema,
  settingsUpdateResultSchema,
  toActivitySummary,
  toPauseView,
  watchRuleStatusSchema,
} from './api-views.ts';
import { agentEventViewSchema, toEventView, type AgentEventView } from './event-views.ts';
import { jobViewSchema, toJobView, type JobView, type JobViewContext } from './job-view.ts';
import { publicProcedure as baseProcedure, router } from './trpc.ts';

/**
 * The engine refuses some requests only once it looks at them (a rule overlapping another, a file
 * that vanished, a setting that is valid alone but not with the rest). Those are the caller's to
 * fix, so they answer BAD_REQUEST (or NOT_FOUND) with the engine's own words, never a 500.
 */
const publicProcedure = baseProcedure.use(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  const code = refusalCode(cause);
  if (!code) return result;
  throw new TRPCError({ code, message: (cause as Error).message, cause });
});

function refusalCode(
  error: unknown,
): 'BAD_REQUEST' | 'NOT_FOUND' | 'SERVICE_UNAVAILABLE' | 'PRECONDITION_FAILED' | undefined {
  // Not the caller's mistake and not a bug: the agent cannot write until space is freed.
  if (error instanceof DiskFullError) return 'SERVICE_UNAVAILABLE';
  // Something to set up first (faces say how: see `data.refusal` in trpc.ts).
  if (error instanceof MissingClientCredentialsError) return 'PRECONDITION_FAILED';
  if (error instanceof WatchRuleError)
    return error.reason === 'not-found' ? 'NOT_FOUND' : 'BAD_REQUEST';
  const refused =
    error instanceof EnqueueError ||
    error instanceof AddPathError ||
    error instanceof InvalidSettingsError ||
    error instanceof ZodError;
  return refused ? 'BAD_REQUEST' : undefined;
}

const idInput = z.object({ id: z.string().min(1).max(200) }).strict();

export interface AppRouterOptions {
  /** Asked by `agent.shutdown`: the host stops the agent and exits. */
  requestShutdown: () => void;
}

/**
 * The one typed API over an Agent: the CLI, the windows and the tray all use it. Inputs are zod
 * schemas from src/core, so a bad call is refused here with a message per field, before it can
 * reach the engine; outputs are views (server/api-views.ts), so nothing internal leaves it.
 */
export function createAppRouter(agent: Agent, options: AppRouterOptions) {
  return router({
    queue: queueRouter(agent),
    auth: authRouter(agent),
    watch: watchRouter(agent),
    history: historyRouter(agent),
    activity: router({
      /** What the tray and the Activity window draw: counts, the run, rate, ETA, attention. */
      summary: publicProcedure
        .output(activitySummarySchema)
        .query(() => toActivitySummary(agent.activitySummary(), viewContext(agent))),
    }),
    review: router({
      /** One batch of finished uploads, as its notification summed it up (recent ones only). */
      get: publicProcedure
        .input(z.object({ batchId: z.string().min(1).max(100) }).strict())
        .output(notificationBatchSchema)
        .query(({ input }) => orNotFound(agent.notificationBatch(input.batchId), input.batchId)),
    }),
    settings: router({
      /** Effective values (environment overrides applied), secrets included: faces mask them. */
      get: publicProcedure.output(settingsSchema).query(() => agent.settings()),
      /** Per key: description, whether it applies live, whether it is secret, what overrides it. */
      keys: publicProcedure.output(z.array(settingKeyViewSchema)).query(() => agent.settingKeys()),
      /** `{ set: patch, unset: [keys] }`; answers per key when it applies. */
      update: publicProcedure
        .input(settingsChangeSchema)
        .output(settingsUpdateResultSchema)
        .mutation(({ input }) =>
          refusedAsBadRequest(() => agent.updateSettings(input.set ?? {}, input.unset ?? [])),
        ),
    }),
    agent: router({
      status: publicProcedure.output(agentStatusSchema).query(() => agentStatus(agent)),
      version: publicProcedure
        .output(z.object({ version: z.string(), node: z.string() }))
        .query(() => ({ version: DRIVEUP_VERSION, node: process.versions.node })),
      shutdown: publicProcedure.output(z.object({ stopping: z.boolean() })).mutation(() => {
        setImmediate(options.requestShutdown);
        return { stopping: true };
      }),
    }),
    events: eventsProcedure(agent),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

function viewContext(agent: Agent): JobViewContext {
  return {
    pause: agent.queue.currentPause,
    progressOf: (jobId) => agent.activity.progressOf(jobId),
    now: agent.clock.now(),
  };
}

function jobView(agent: Agent, job: Job): JobView {
  return toJobView(job, viewContext(agent));
}

function queueRouter(agent: Agent) {
  return router({
    list: publicProcedure
      .input(
        z
          .object({
            states: z.array(jobStateSchema).max(JOB_STATES.length).optional(),
            limit: z.int().min(1).max(1000).default(100),
            order: z.enum(['queue', 'newest']).default('newest'),
            cursor: jobCursorSchema.nullish(),
          })
          .strict()
          .prefault({}),
      )
      .output(jobPageSchema)
      .query(({ input }) => {
        const page = agent.queue.list(input);
        const ctx = viewContext(agent);
        return { jobs: page.jobs.map((job) => toJobView(job, ctx)), nextCursor: page.nextCursor };
      }),
    get: publicProcedure
      .input(idInput)
      .output(jobViewSchema)
      .query(({ input }) => {
        const id = resolveId(input.id, jobIds(agent));
        return jobView(agent, orNotFound(agent.queue.get(id), id));
      }),
    /**
     * `{ jobs, plan: null, skipped }`: every job with `added` ('queued' | 'already-queued' |
     * 'already-uploaded'), and what was left out of added folders (links, dot-files…). With
     * `dryRun: true` nothing is queued: `{ jobs: [], plan, skipped }`, where `plan` lists each
     * file with where it would go and what adding it would do.
     */
    add: publicProcedure
      .input(addRequestSchema)
      .output(addAnswerSchema)
      .mutation(async ({ input }) => {
        try {
          const ctx = viewContext(agent);
          if (input.dryRun) {
            const { plan, skipped } = await agent.planAdd(input);
            const planned = plan.map((file) => ({
              ...file,
              job: file.job && toJobView(file.job, ctx),
            }));
            return { jobs: [], plan: planned, skipped };
          }
          const { jobs, skipped } = await agent.add(input);
          const added = jobs.map((job) => ({ ...toJobView(job, ctx), added: job.added }));
          return { jobs: added, plan: null, skipped };
        } catch (error) {
          if (error instanceof AddPathError)
            throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
          throw error;
        }
      }),
    /** The queue's state, as `pause` and `resume` answer it. */
    status: publicProcedure.output(queueStateSchema).query(() => queueState(agent)),
    pause: publicProcedure
      .input(
        z
          .object({ reason: z.string().max(200).optional() })
          .strict()
          .prefault({}),
      )
      .output(queueStateSchema)
      .mutation(({ input }) => {
        agent.queue.pause(input.reason ?? null);
        return queueState(agent);
      }),
    resume: publicProcedure.output(queueStateSchema).mutation(() => {
      agent.queue.resume();
      return queueState(agent);
    }),
    /** `{ cancelled, job }`: `cancelled` is false when the job had already finished. */
    cancel: publicProcedure
      .input(idInput)
      .output(cancelAnswerSchema)
      .mutation(({ input }) => {
        const id = resolveId(input.id, jobIds(agent));
        const { cancelled, job } = orNotFound(agent.queue.cancel(id), id);
        return { cancelled, job: jobView(agent, job) };
      }),
    /** Every job waiting, retrying or uploading, cancelled (`driveup cancel --all`). */
    cancelAll: publicProcedure
      .input(z.object({}).strict().prefault({}))
      .output(z.object({ cancelled: z.number() }))
      .mutation(() => ({ cancelled: agent.queue.cancelAll() })),
    retry: publicProcedure
      .input(z.union([idInput, z.object({ failed: z.literal(true) }).strict()]))
      .output(retryAnswerSchema)
      .mutation(({ input }) => {
        if (!('id' in input)) return { retried: agent.queue.retryFailed() };
        const id = resolveId(input.id, jobIds(agent));
        const before = orNotFound(agent.queue.get(id), id).state;
        const job = orNotFound(agent.queue.retry(id), id);
        return { retried: job.state !== before ? 1 : 0 };
      }),
    setConcurrency: publicProcedure
      .input(z.object({ concurrency: z.int().min(1).max(16) }).strict())
      .output(settingsUpdateResultSchema)
      .mutation(({ input }) =>
        refusedAsBadRequest(() =>
          agent.updateSettings({ uploads: { concurrency: input.concurrency } }),
        ),
      ),
    setBandwidth: publicProcedure
      .input(z.object({ bytesPerSecond: z.int().min(1024).nullable() }).strict())
      .output(settingsUpdateResultSchema)
      .mutation(({ input }) =>
        refusedAsBadRequest(() =>
          agent.updateSettings({ uploads: { bandwidthLimitBytesPerSecond: input.bytesPerSecond } }),
        ),
      ),
  });
}

function authRouter(agent: Agent) {
  const attemptInput = z.object({ attemptId: z.string().min(1).max(100) }).strict();
  return router({
    status: publicProcedure.output(authStatusSchema).query(() => agent.auth.status()),
    /**
     * Starts a sign-in and answers `{ kind: 'started', attemptId, url, expiresAt }` at once, or
     * `{ kind: 'already-signed-in', account }` (nothing started) unless `switchAccount`.
     */
    beginSignIn: publicProcedure
      .input(
        z
          .object({
            openBrowser: z.boolean().default(true),
            switchAccount: z.boolean().default(false),
            timeoutSeconds: z.int().min(1).max(3600).optional(),
          })
          .strict()
          .prefault({}),
      )
      .output(signInRequestResultSchema)
      .mutation(({ input }) =>
        agent.auth.requestSignIn({
          openBrowser: input.openBrowser,
          switchAccount: input.switchAccount,
          ...(input.timeoutSeconds ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
        }),
      ),
    /** Waits for that attempt to end and answers how (`SignInOutcome`); at once if it has ended. */
    signInOutcome: publicProcedure
      .input(attemptInput)
      .output(signInOutcomeSchema)
      .query(async ({ input }) => {
        const outcome = agent.auth.signInOutcome(input.attemptId);
        if (!outcome) {
          throw new TRPCError({
            code: 'NOT_FOUND',
            message: `No sign-in attempt ${input.attemptId} is known to this agent.`,
          });
        }
        return outcome;
      }),
    /** Ends the sign-in under way (only if it is `attemptId`, when given). */
    cancelSignIn: publicProcedure
      .input(
        z
          .object({ attemptId: z.string().min(1).max(100).optional() })
          .strict()
          .prefault({}),
      )
      .output(z.object({ cancelled: z.boolean() }))
      .mutation(({ input }) => ({ cancelled: agent.auth.cancelSignIn(input.attemptId) })),
    signOut: publicProcedure
      .output(
        z.object({ revokedAtGoogle: z.boolean(), message: z.string(), status: authStatusSchema }),
      )
      .mutation(() => agent.auth.signOut()),
  });
}

function watchRouter(agent: Agent) {
  const byId = z.object({ id: ruleIdSchema }).strict();
  const ruleId = (id: string) => resolveId(id, ruleIds(agent));
  return router({
    list: publicProcedure
      .output(z.array(watchRuleStatusSchema))
      .query(() => agent.watch.listRules()),
    add: publicProcedure
      .input(
        watchRuleInputSchema.extend({
          allowMissing: z
            .boolean()
            .default(false)
            .describe('Watch a folder that does not exist yet (a disk not mounted yet).'),
        }),
      )
      .output(watchRuleStatusSchema)
      .mutation(({ input: { allowMissing, ...rule } }) =>
        agent.watch.addRule(rule, { allowMissing }),
      ),
    update: publicProcedure
      .input(watchRuleUpdateSchema)
      .output(watchRuleStatusSchema)
      .mutation(({ input }) => agent.watch.updateRule(ruleId(input.id), input.patch)),
    remove: publicProcedure
      .input(
        byId.extend({
          /** Let the files it found and did not upload yet go on uploading (else cancelled). */
          keepQueued: z.boolean().default(false),
        }),
      )
      .output(
        z.object({
          removed: z.string(),
          /** Its files that were waiting or uploading, cancelled with it (0 with keepQueued). */
          cancelled: z.number(),
        }),
      )
      .mutation(async ({ input }) => {
        const id = ruleId(input.id);
        const { cancelled } = await agent.removeWatchRule(id, input.keepQueued);
        return { removed: id, cancelled };
      }),
    pause: publicProcedure
      .input(byId)
      .output(watchRuleStatusSchema)
      .mutation(({ input }) => agent.watch.pauseRule(ruleId(input.id))),
    resume: publicProcedure
      .input(byId)
      .output(watchRuleStatusSchema)
      .mutation(({ input }) => agent.watch.resumeRule(ruleId(input.id))),
    skipped: publicProcedure
      .input(byId)
      .output(z.array(skippedPathSchema))
      .query(({ input }) => agent.watch.skippedFiles(ruleId(input.id))),
    /**
     * Where a file would go under a destination template (Settings' live preview): the folder
     * path, or why the template cannot be used. The sample file sits in `relativeDir` of the
     * watched folder and was modified at `modifiedAt` (now when absent).
     */
    previewDestination: publicProcedure
      .input(
        z
          .object({
            template: z.string().max(1000),
            relativeDir: z.string().max(1000).default(''),
            modifiedAt: z.date().optional(),
          })
          .strict(),
      )
      .output(z.object({ folderPath: z.string().nullable(), problem: z.string().nullable() }))
      .query(({ input }) => {
        const problem = templateProblem(input.template);
        if (problem) return { folderPath: null, problem };
        const folderPath = expandDestination(input.template, {
          machine: agent.settings().machineName,
          relativeDir: input.relativeDir.replace(/\\/g, '/'),
          date: input.modifiedAt ?? new Date(),
        });
        return { folderPath: folderPath as string | null, problem: null as string | null };
      }),
  });
}

/** Jobs by id or unique prefix (`driveup cancel 1a2b`). */
function jobIds(agent: Agent): IdLookup {
  return {
    what: 'job',
    exists: (id) => agent.queue.get(id) !== undefined,
    startingWith: (prefix, limit) => agent.queue.idsWithPrefix(prefix, limit),
    describe: (id) => agent.queue.get(id)?.name ?? '',
  };
}

/** Watch rules by id or unique prefix. */
function ruleIds(agent: Agent): IdLookup {
  const rules = () => agent.watch.listRules().map((status) => status.rule);
  return {
    what: 'watch rule',
    exists: (id) => rules().some((rule) => rule.id === id),
    startingWith: (prefix, limit) =>
      rules()
        .map((rule) => rule.id)
        .filter((id) => id.startsWith(prefix))
        .sort()
        .slice(0, limit),
    describe: (id) => rules().find((rule) => rule.id === id)?.folder ?? '',
  };
}

function historyRouter(agent: Agent) {
  return router({
    search: publicProcedure
      .input(historyQuerySchema)
      .output(historyPageSchema)
      .query(({ input }) => agent.history.search(input)),
    get: publicProcedure
      .input(idInput)
      .output(historyRecordSchema)
      .query(async ({ input }) => orNotFound(await agent.history.get(input.id), input.id)),
    clear: publicProcedure
      .input(historyClearSchema.prefault({}))
      .output(z.object({ removed: z.number() }))
      .mutation(({ input }) => agent.history.clear(input)),
    status: publicProcedure.output(historyStatusViewSchema).query(() => agent.history.status()),
    /**
     * Moves this machine's upload to Drive's trash (restorable there) and records it: answers the
     * record, with `trashedAt`. Refused with the reason for a file DriveUp did not upload.
     */
    trash: publicProcedure
      .input(idInput)
      .output(historyRecordSchema)
      .mutation(async ({ input }) => {
        try {
          return await agent.trashUpload(input.id);
        } catch (error) {
          if (!(error instanceof TrashError)) throw error;
          const code = {
            'not-found': 'NOT_FOUND',
            refused: 'BAD_REQUEST',
            drive: 'BAD_GATEWAY',
          } as const;
          throw new TRPCError({ code: code[error.reason], message: error.message, cause: error });
        }
      }),
    /**
     * Settings' "Test connection": one round trip to the MongoDB a connection string names, with
     * a timeout; `{ ok: true, roundTripMs }` or `{ ok: false, reason }`. The running history is
     * left as it is.
     */
    testConnection: publicProcedure
      .input(
        z
          .object({
            uri: z.string().min(1).max(4096),
            database: z.string().min(1).max(63).default('driveup'),
            timeoutSeconds: z.int().min(1).max(30).default(5),
          })
          .strict(),
      )
      .output(
        z.discriminatedUnion('ok', [
          z.object({ ok: z.literal(true), roundTripMs: z.number() }),
          z.object({ ok: z.literal(false), reason: z.string() }),
        ]),
      )
      .mutation(({ input }) =>
        checkMongoConnection({
          uri: input.uri,
          database: input.database,
          timeoutMs: input.timeoutSeconds * 1000,
        }),
      ),
  });
}

/**
 * Every agent event, live, as views (server/event-views.ts). Ids carry the agent's boot id: a
 * client that reconnects to the same agent resumes exactly where it was. It gets `resync` instead
 * of what cannot be delivered, then the events from there on: after the agent restarted, when
 * the events after its last id are no longer kept, and when it fell behind (a bounded buffer).
 */
function eventsProcedure(agent: Agent) {
  return publicProcedure
    .input(
      z
        .object({ lastEventId: z.string().max(100).nullish() })
        .strict()
        .prefault({}),
    )
    .subscription(async function* ({ input, signal }) {
      const resume = resumePoint(agent.bootId, input.lastEventId);
      const ctx = {
        get pause() {
          return agent.queue.currentPause;
        },
        progressOf: (jobId: string) => agent.activity.progressOf(jobId),
      };
      if (resume === 'restarted') {
        const restarted: AgentEventView = agentEventViewSchema.parse({
          type: 'resync',
          at: new Date(),
          data: { reason: 'restarted' },
        });
        yield tracked(`${agent.bootId}:${agent.bus.lastId}`, restarted);
      }
      const afterId = typeof resume === 'number' ? resume : undefined;
      for await (const event of agent.bus.stream({ afterId, signal })) {
        yield tracked(`${agent.bootId}:${event.id}`, toEventView(event, ctx));
      }
    });
}

/** The bus id after which to resume; 'restarted' when the id is from another run of the agent. */
function resumePoint(
  bootId: string,
  lastEventId: string | null | undefined,
): number | 'restarted' | undefined {
  if (!lastEventId) return undefined;
  const [boot, seq] = lastEventId.split(':');
  const n = Number(seq);
  if (boot !== bootId) return 'restarted';
  return Number.isSafeInteger(n) ? n : undefined;
}

const agentStatusSchema = z.object({
  version: z.string(),
  pid: z.number(),
  bootId: z.string(),
  startedAt: z.date(),
  dataDir: z.string(),
  machineName: z.string(),
  auth: authStatusSchema,
  queue: queueStateSchema,
  history: historyStatusViewSchema,
  watch: z.object({
    rules: z.number(),
    /** Rules that find no files now (their folder missing, or an error): `watch list` says why. */
    failing: z.number(),
  }),
});

async function agentStatus(agent: Agent): Promise<z.infer<typeof agentStatusSchema>> {
  return {
    version: DRIVEUP_VERSION,
    pid: process.pid,
    bootId: agent.bootId,
    startedAt: agent.startedAt,
    dataDir: agent.paths.dataDir,
    machineName: agent.settings().machineName,
    auth: await agent.auth.status(),
    queue: queueState(agent),
    history: agent.history.status(),
    watch: watchState(agent),
  };
}

function watchState(agent: Agent): z.infer<typeof agentStatusSchema>['watch'] {
  const rules = agent.watch.listRules();
  const failing = rules.filter((r) => r.state === 'error' || r.state === 'folder-missing');
  return { rules: rules.length, failing: failing.length };
}

function queueState(agent: Agent): z.infer<typeof queueStateSchema> {
  const pause = agent.queue.currentPause;
  const view = pause && toPauseView(pause);
  return {
    paused: pause !== null,
    pauseKind: pause?.kind ?? null,
    pauseReason: view?.reason ?? null,
    pause: view,
    counts: agent.queue.counts(),
  };
}

/** A change the engine refuses for its content is the caller's mistake, said as such. */
async function refusedAsBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidSettingsError) {
      const message = inputIssuesMessage(inputIssues(error.issues, error.input));
      throw new TRPCError({ code: 'BAD_REQUEST', message, cause: error });
    }
    throw error;
  }
}

function orNotFound<T>(value: T | null | undefined, id: string): T {
  if (value == null) throw new TRPCError({ code: 'NOT_FOUND', message: `Nothing with id ${id}.` });
  return value;
}
