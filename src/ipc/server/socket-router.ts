import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { AppRouter } from './app-router.ts';
import { isWindowPage, WINDOW_PAGES, type WindowPage } from '../common/window-pages.ts';
import { mergeRouters, publicProcedure, router } from './trpc.ts';
import type { WebServer } from './web-server.ts';

/**
 * What only the agent's owner may ask, over the socket (0600, in a 0700 directory): never served
 * to a window's port nor to web mode's HTTP, so a page can never mint itself a way in.
 */
function ownerRouter(web: { server: WebServer | null }) {
  return router({
    web: router({
      /**
       * A one-time address (usable once, for 60 s) that signs a browser in to web mode and shows
       * `page`: what `driveup open` opens or prints. PRECONDITION_FAILED when web mode is off.
       */
      openUrl: publicProcedure
        .input(
          z
            .object({
              page: z
                .string()
                .refine(
                  isWindowPage,
                  `is not a window: one of ${Object.keys(WINDOW_PAGES).join(', ')}`,
                )
                .default('history'),
            })
            .strict()
            .prefault({}),
        )
        .output(z.object({ url: z.string(), origin: z.string() }))
        .mutation(({ input }) => {
          const server = web.server;
          if (!server) {
            throw new TRPCError({
              code: 'PRECONDITION_FAILED',
              message: 'This agent runs without web mode.',
              cause: new WebModeOffError(),
            });
          }
          return { url: server.createOpenUrl(input.page as WindowPage), origin: server.origin };
        }),
    }),
  });
}

/** The agent runs without web mode: faces say how to turn it on. */
export class WebModeOffError extends Error {
  readonly kind = 'web-off';
  constructor() {
    super('This agent runs without web mode.');
    this.name = 'WebModeOffError';
  }
}

/** The socket's router: the whole API, plus what only the owner may ask. */
export function createSocketRouter(app: AppRouter, web: { server: WebServer | null }) {
  return mergeRouters(app, ownerRouter(web));
}

export type SocketRouter = ReturnType<typeof createSocketRouter>;
