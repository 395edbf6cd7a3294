import { initTRPC, type TRPCError } from '@trpc/server';
import {
  inputIssues,
  inputIssuesMessage,
  schemaIssuesOf,
  type InputIssue,
} from '../common/input-issues.ts';
import { transformer } from '../common/transformer.ts';

/**
 * The one tRPC instance every DriveUp router is built with, so that every transport (socket,
 * Electron IPC, in-process, WebSocket) agrees on the transformer and the error shape.
 *
 * superjson keeps `Date`, `Map`, `Set`, `bigint` and `undefined` intact across the wire: job and
 * history records carry dates, and the clients should not have to revive them by hand.
 *
 * The context is empty on purpose: routers close over the `Agent` they serve
 * (`createAppRouter(agent)`), so a server-side caller, the in-process link and the socket server
 * need no per-request context to be built.
 */
const t = initTRPC.create({
  transformer,
  // Stack traces stay in the agent's log; over the API only when someone is debugging.
  isDev: process.env.DRIVEUP_LOG_LEVEL === 'debug',
  errorFormatter: ({ shape, error, input }) => formatError(shape, error, input),
});

/**
 * What a refusal is, as data, for each face to word it (the CLI names its commands, a window its
 * buttons): the `kind` an engine error carries (`missing-client-credentials`, `web-off`).
 */
export interface Refusal {
  kind: string;
}

interface ErrorData {
  inputIssues: InputIssue[] | null;
  refusal: Refusal | null;
}

/**
 * The error every face reads: input issues named field by field, a refusal's kind. It never
 * throws: an exception here would leave the call unanswered (tRPC sends nothing), so a failure to
 * word the issues falls back to tRPC's own message.
 */
export function formatError<Shape extends { message: string; data: object }>(
  shape: Shape,
  error: TRPCError,
  input: unknown,
): Shape & { data: Shape['data'] & ErrorData } {
  const refusal = refusalOf(error.cause);
  try {
    // Only a rejected input: a validation error deeper in the agent is a bug, not the caller's.
    const schemaIssues = error.code === 'BAD_REQUEST' ? schemaIssuesOf(error.cause) : undefined;
    if (!schemaIssues) return { ...shape, data: { ...shape.data, inputIssues: null, refusal } };
    const issues = inputIssues(schemaIssues, input);
    return {
      ...shape,
      message: inputIssuesMessage(issues),
      data: { ...shape.data, inputIssues: issues as InputIssue[] | null, refusal },
    };
  } catch {
    return { ...shape, data: { ...shape.data, inputIssues: null, refusal } };
  }
}

function refusalOf(cause: unknown): Refusal | null {
  const kind = (cause as { kind?: unknown } | null | undefined)?.kind;
  return cause instanceof Error && typeof kind === 'string' ? { kind } : null;
}

export { transformer };
export const router = t.router;
export const publicProcedure = t.procedure;
export const mergeRouters = t.mergeRouters;
