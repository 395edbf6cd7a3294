import { createTRPCClient, localLink, type TRPCClient } from '@trpc/client';
import type { AnyTRPCRouter, inferRouterContext } from '@trpc/server';
import { transformer } from './trpc.ts';

export interface InProcessClientOptions<TRouter extends AnyTRPCRouter> {
  /** Builds each call's context; routers made with `trpc.ts` need none. */
  createContext?: () => Promise<inferRouterContext<TRouter>>;
}

/**
 * A typed client that calls the router in this process, for the Electron main process and
 * benchmarks: the same client API as over the socket (subscriptions included), no HTTP.
 *
 * Results are not serialized on the way, so they are the very objects the procedures returned:
 * treat them as read-only.
 */
export function createInProcessClient<TRouter extends AnyTRPCRouter>(
  router: TRouter,
  options: InProcessClientOptions<TRouter> = {},
): TRPCClient<TRouter> {
  const createContext = options.createContext ?? (async () => ({}) as inferRouterContext<TRouter>);
  return createTRPCClient<TRouter>({
    links: [localLink<AnyTRPCRouter>({ router, createContext, transformer })],
  });
}
