import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { FetchEventSource, type FetchEventSourceInit } from './fetch-event-source.ts';
import { AgentNotRunningError } from './socket-errors.ts';
import { createSocketFetch, SOCKET_ORIGIN } from './socket-fetch.ts';
import { transformer } from './common/transformer.ts';

export interface SocketClientOptions {
  /** First wait before a broken subscription reconnects (doubling up to 10 s); 500 ms by default. */
  reconnectDelayMs?: number;
  /**
   * Keep retrying a subscription whose very first connection found no agent, instead of failing
   * it with {@link AgentNotRunningError}. Once a subscription has connected it always retries,
   * so that it survives an agent restart and resumes from the last event it saw.
   */
  waitForAgent?: boolean;
}

/**
 * The links of a socket client: subscriptions as server-sent events, everything else batched.
 * Exposed for callers that want to add links of their own (a logger) in front.
 */
export function socketLinks<TRouter extends AnyTRPCRouter>(
  socketPath: string,
  options: SocketClientOptions = {},
): TRPCLink<TRouter>[] {
  const fetch = createSocketFetch(socketPath);
  const eventSourceOptions: FetchEventSourceInit = {
    fetch,
    reconnectDelayMs: options.reconnectDelayMs,
    isFatal: (error, { everOpened }) =>
      !everOpened && !options.waitForAgent && error instanceof AgentNotRunningError,
  };
  // The routers are built with `trpc.ts`, so they all use superjson; the link options' types
  // cannot see that through the generic router parameter, hence the widening to AnyTRPCRouter.
  const links: TRPCLink<AnyTRPCRouter>[] = [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: SOCKET_ORIGIN,
        transformer,
        EventSource: FetchEventSource,
        eventSourceOptions,
      }),
      // Queries go as POST too: a GET carries its batch's inputs in the URL, and Node's server
      // rejects a request head over 16 KiB, which a search or a long path list can reach.
      false: httpBatchLink({ url: SOCKET_ORIGIN, transformer, fetch, methodOverride: 'POST' }),
    }),
  ];
  return links as TRPCLink<TRouter>[];
}

/**
 * A typed client of the agent listening on `socketPath`.
 *
 * Creating one is cheap and it holds nothing open between calls (each request has its own
 * connection), so there is nothing to close: a subscription ends when it is unsubscribed.
 * When no agent listens, calls fail with a `TRPCClientError` caused by
 * {@link AgentNotRunningError}; test with `isAgentNotRunningError(error)`.
 */
export function createSocketClient<TRouter extends AnyTRPCRouter>(
  socketPath: string,
  options: SocketClientOptions = {},
): TRPCClient<TRouter> {
  return createTRPCClient<TRouter>({ links: socketLinks<TRouter>(socketPath, options) });
}
