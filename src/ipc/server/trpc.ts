import { initTRPC } from '@trpc/server';
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
  errorFormatter({ shape, error, input }) {
    // Only a rejected input: a validation error deeper in the agent is a bug, not the caller's.
    const schemaIssues = error.code === 'BAD_REQUEST' ? schemaIssuesOf(error.cause) : undefined;
    if (!schemaIssues) return { ...shape, data: { ...shape.data, inputIssues: null } };
    const issues = inputIssues(schemaIssues, input);
    return {
      ...shape,
      message: inputIssuesMessage(issues),
      data: { ...shape.data, inputIssues: issues as InputIssue[] | null },
    };
  },
});

export { transformer };
export const router = t.router;
export const publicProcedure = t.procedure;
export const mergeRouters = t.mergeRouters;
