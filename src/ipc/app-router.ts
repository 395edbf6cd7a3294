import { tracked, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import type { Agent } from '../core/agent.ts';
import { DRIVEUP_VERSION } from '../core/version.ts';
import { InvalidSettingsError } from '../core/config/settings-error.ts';
import { settingsChangeSchema } from '../core/config/settings-schema.ts';
import { historyClearSchema, historyQuerySchema } from '../core/history/history-query.ts';
import { checkMongoConnection } from '../core/history/mongo-connection-check.ts';
import { TrashError } from '../core/history/trash-upload.ts';
import { expandDestination, templateProblem } from '../core/watch/destination-template.ts';
import { AddPathError, addRequestSchema } from '../core/queue/add-request.ts';
import type { AddedJob, PlannedFile } from '../core/queue/enqueue-result.ts';
import { jobStateSchema } from '../core/queue/job-schema.ts';
import { JOB_STATES } from '../core/queue/job-store.ts';
import { jobCursorSchema } from '../core/queue/job-cursor.ts';
import {
  ruleIdSchema,
  watchRuleInputSchema,
  watchRuleUpdateSchema,
} from '../core/watch/watch-rules.ts';
import { EnqueueError } from '../core/queue/file-versions.ts';
import { DiskFullError } from '../core/store/disk-full.ts';
import { WatchRuleError } from '../core/watch/rule-placement.ts';
import { resolveId, type IdLookup } from './id-prefix.ts';
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
): 'BAD_REQUEST' | 'NOT_FOUND' | 'SERVICE_UNAVAILABLE' | undefined {
  // Not the caller's mistake and not a bug: the agent cannot write until space is freed.
  if (error instanceof DiskFullError) return 'SERVICE_UNAVAILABLE';
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
 * reach the engine.
 */
export function createAppRouter(agent: Agent, options: AppRouterOptions) {
  return router({
    queue: queueRouter(agent),
    auth: authRouter(agent),
    watch: watchRouter(agent),
    history: historyRouter(agent),
    settings: router({
      /** Effective values (environment overrides applied), secrets included: faces mask them. */
      get: publicProcedure.query(() => agent.settings()),
      /** Per key: description, whether it applies live, whether it is secret, what overrides it. */
      keys: publicProcedure.query(() => agent.settingKeys()),
      /** `{ set: patch, unset: [keys] }`; answers `SettingsUpdateResult` (per key: when it applies). */
      update: publicProcedure
        .input(settingsChangeSchema)
        .mutation(({ input }) =>
          refusedAsBadRequest(() => agent.updateSettings(input.set ?? {}, input.unset ?? [])),
        ),
    }),
    agent: router({
      status: publicProcedure.query(() => agentStatus(agent)),
      version: publicProcedure.query(() => ({
        version: DRIVEUP_VERSION,
        node: process.versions.node,
      })),
      shutdown: publicProcedure.mutation(() => {
        setImmediate(options.requestShutdown);
        return { stopping: true };
      }),
    }),
    events: eventsProcedure(agent),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

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
      .query(({ input }) => agent.queue.list(input)),
    get: publicProcedure.input(idInput).query(({ input }) => {
      const id = resolveId(input.id, jobIds(agent));
      return orNotFound(agent.queue.get(id), id);
    }),
    /**
     * `{ jobs, plan: null, skipped }`: every job with `added` ('queued' | 'already-queued' |
     * 'already-uploaded'), and what was left out of added folders (links, dot-files…). With
     * `dryRun: true` nothing is queued: `{ jobs: [], plan, skipped }`, where `plan` lists each
     * file with where it would go and what adding it would do (PlannedFile).
     */
    add: publicProcedure.input(addRequestSchema).mutation(async ({ input }) => {
      try {
        if (input.dryRun) {
          const { plan, skipped } = await agent.planAdd(input);
          return { jobs: [] as AddedJob[], plan: plan as PlannedFile[] | null, skipped };
        }
        const { jobs, skipped } = await agent.add(input);
        return { jobs, plan: null as PlannedFile[] | null, skipped };
      } catch (error) {
        if (error instanceof AddPathError)
          throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
        throw error;
      }
    }),
    pause: publicProcedure
      .input(
        z
          .object({ reason: z.string().max(200).optional() })
          .strict()
          .prefault({}),
      )
      .mutation(({ input }) => {
        agent.queue.pause(input.reason ?? 'Paused by you');
        return queueState(agent);
      }),
    resume: publicProcedure.mutation(() => {
      agent.queue.resume();
      return queueState(agent);
    }),
    /** `{ cancelled, job }`: `cancelled` is false when the job had already finished. */
    cancel: publicProcedure.input(idInput).mutation(({ input }) => {
      const id = resolveId(input.id, jobIds(agent));
      return orNotFound(agent.queue.cancel(id), id);
    }),
    retry: publicProcedure
      .input(z.union([idInput, z.object({ failed: z.literal(true) }).strict()]))
      .mutation(({ input }) => {
        if (!('id' in input)) return { retried: agent.queue.retryFailed() };
        const id = resolveId(input.id, jobIds(agent));
        const before = orNotFound(agent.queue.get(id), id).state;
        const job = orNotFound(agent.queue.retry(id), id);
        return { retried: job.state !== before ? 1 : 0 };
      }),
    setConcurrency: publicProcedure
      .input(z.object({ concurrency: z.int().min(1).max(16) }).strict())
      .mutation(({ input }) =>
        refusedAsBadRequest(() =>
          agent.updateSettings({ uploads: { concurrency: input.concurrency } }),
        ),
      ),
    setBandwidth: publicProcedure
      .input(z.object({ bytesPerSecond: z.int().min(1024).nullable() }).strict())
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
    status: publicProcedure.query(() => agent.auth.status()),
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
      .mutation(({ input }) =>
        agent.auth.requestSignIn({
          openBrowser: input.openBrowser,
          switchAccount: input.switchAccount,
          ...(input.timeoutSeconds ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
        }),
      ),
    /** Waits for that attempt to end and answers how (`SignInOutcome`); at once if it has ended. */
    signInOutcome: publicProcedure.input(attemptInput).query(async ({ input }) => {
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
      .mutation(({ input }) => ({ cancelled: agent.auth.cancelSignIn(input.attemptId) })),
    signOut: publicProcedure.mutation(() => agent.auth.signOut()),
  });
}

function watchRouter(agent: Agent) {
  const byId = z.object({ id: ruleIdSchema }).strict();
  const ruleId = (id: string) => resolveId(id, ruleIds(agent));
  return router({
    list: publicProcedure.query(() => agent.watch.listRules()),
    add: publicProcedure
      .input(
        watchRuleInputSchema.extend({
          allowMissing: z
            .boolean()
            .default(false)
            .describe('Watch a folder that does not exist yet (a disk not mounted yet).'),
        }),
      )
      .mutation(({ input: { allowMissing, ...rule } }) =>
        agent.watch.addRule(rule, { allowMissing }),
      ),
    update: publicProcedure
      .input(watchRuleUpdateSchema)
      .mutation(({ input }) => agent.watch.updateRule(ruleId(input.id), input.patch)),
    remove: publicProcedure.input(byId).mutation(async ({ input }) => {
      const id = ruleId(input.id);
      await agent.watch.removeRule(id);
      return { removed: id };
    }),
    pause: publicProcedure
      .input(byId)
      .mutation(({ input }) => agent.watch.pauseRule(ruleId(input.id))),
    resume: publicProcedure
      .input(byId)
      .mutation(({ input }) => agent.watch.resumeRule(ruleId(input.id))),
    skipped: publicProcedure
      .input(byId)
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
      .query(({ input }) => agent.history.search(input)),
    get: publicProcedure
      .input(idInput)
      .query(async ({ input }) => orNotFound(await agent.history.get(input.id), input.id)),
    clear: publicProcedure
      .input(historyClearSchema.prefault({}))
      .mutation(({ input }) => agent.history.clear(input)),
    status: publicProcedure.query(() => agent.history.status()),
    /**
     * Moves this machine's upload to Drive's trash (restorable there) and records it: answers the
     * record, with `trashedAt`. Refused with the reason for a file DriveUp did not upload.
     */
    trash: publicProcedure.input(idInput).mutation(async ({ input }) => {
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
 * Every agent event, live. Ids carry the agent's boot id: a client that reconnects to the same
 * agent resumes exactly where it was; one that reconnects to a restarted agent starts from now
 * (and should re-read state), since the old agent's events are gone.
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
      const afterId = resumePoint(agent.bootId, input.lastEventId);
      for await (const event of agent.bus.stream({ afterId, signal })) {
        yield tracked(`${agent.bootId}:${event.id}`, {
          type: event.type,
          at: event.at,
          data: event.data,
        });
      }
    });
}

function resumePoint(bootId: string, lastEventId: string | null | undefined): number | undefined {
  if (!lastEventId) return undefined;
  const [boot, seq] = lastEventId.split(':');
  const n = Number(seq);
  return boot === bootId && Number.isSafeInteger(n) ? n : undefined;
}

async function agentStatus(agent: Agent) {
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
    watch: { rules: agent.watch.listRules().length },
  };
}

function queueState(agent: Agent) {
  return {
    paused: agent.queue.isPaused(),
    /** 'user' | 'disk-full' | 'auth' | 'offline', or null when not paused. */
    pauseKind: agent.queue.pauseKind,
    pauseReason: agent.queue.pauseReason,
    counts: agent.queue.counts(),
  };
}

/** A change the engine refuses for its content is the caller's mistake, said as such. */
async function refusedAsBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidSettingsError) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
    }
    throw error;
  }
}

function orNotFound<T>(value: T | null | undefined, id: string): T {
  if (value == null) throw new TRPCError({ code: 'NOT_FOUND', message: `Nothing with id ${id}.` });
  return value;
}
