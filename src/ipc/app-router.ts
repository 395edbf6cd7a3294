import { tracked, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import type { Agent } from '../core/agent.ts';
import { DRIVEUP_VERSION } from '../core/version.ts';
import { InvalidSettingsError } from '../core/config/settings-error.ts';
import { settingsPatchSchema } from '../core/config/settings-schema.ts';
import { historyClearSchema, historyQuerySchema } from '../core/history/history-query.ts';
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
      get: publicProcedure.query(() => agent.settings()),
      update: publicProcedure
        .input(settingsPatchSchema)
        .mutation(({ input }) => refusedAsBadRequest(() => agent.updateSettings(input))),
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
    get: publicProcedure
      .input(idInput)
      .query(({ input }) => orNotFound(agent.queue.get(input.id), input.id)),
    /**
     * `{ jobs, plan: null }`: every job with `added` ('queued' | 'already-queued' |
     * 'already-uploaded'). With `dryRun: true` nothing is queued: `{ jobs: [], plan }`, where
     * `plan` lists each file with where it would go and what adding it would do (PlannedFile).
     */
    add: publicProcedure.input(addRequestSchema).mutation(async ({ input }) => {
      try {
        if (input.dryRun) return { jobs: [] as AddedJob[], plan: await agent.planAdd(input) };
        return { jobs: await agent.add(input), plan: null as PlannedFile[] | null };
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
    cancel: publicProcedure
      .input(idInput)
      .mutation(({ input }) => orNotFound(agent.queue.cancel(input.id), input.id)),
    retry: publicProcedure
      .input(z.union([idInput, z.object({ failed: z.literal(true) }).strict()]))
      .mutation(({ input }) => {
        if (!('id' in input)) return { retried: agent.queue.retryFailed() };
        const before = orNotFound(agent.queue.get(input.id), input.id).state;
        const job = orNotFound(agent.queue.retry(input.id), input.id);
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
  return router({
    status: publicProcedure.query(() => agent.auth.status()),
    beginSignIn: publicProcedure
      .input(
        z
          .object({ openBrowser: z.boolean().default(true) })
          .strict()
          .prefault({}),
      )
      .mutation(async ({ input }) => {
        const attempt = await agent.auth.beginSignIn({ openBrowser: input.openBrowser });
        // Completion is reported through `auth.changed` events and `auth.status`.
        attempt.completion.catch(() => undefined);
        return { url: attempt.url };
      }),
    cancelSignIn: publicProcedure.mutation(() => {
      agent.auth.cancelSignIn();
      return { cancelled: true };
    }),
    signOut: publicProcedure.mutation(() => agent.auth.signOut()),
  });
}

function watchRouter(agent: Agent) {
  const byId = z.object({ id: ruleIdSchema }).strict();
  return router({
    list: publicProcedure.query(() => agent.watch.listRules()),
    add: publicProcedure
      .input(watchRuleInputSchema)
      .mutation(({ input }) => agent.watch.addRule(input)),
    update: publicProcedure
      .input(watchRuleUpdateSchema)
      .mutation(({ input }) => agent.watch.updateRule(input.id, input.patch)),
    remove: publicProcedure.input(byId).mutation(async ({ input }) => {
      await agent.watch.removeRule(input.id);
      return { removed: input.id };
    }),
    pause: publicProcedure.input(byId).mutation(({ input }) => agent.watch.pauseRule(input.id)),
    resume: publicProcedure.input(byId).mutation(({ input }) => agent.watch.resumeRule(input.id)),
  });
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
