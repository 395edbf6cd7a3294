import type { AnyTRPCRouter } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWindowPage, type WindowPage } from '../common/window-pages.ts';
import { handleBrowserUpload, type StageAndQueue } from './browser-upload.ts';
import { comesFromOurPages, cookieValue, hostIsOurs, setSecurityHeaders } from './web-guard.ts';
import {
  defaultPagesDir,
  pageOf,
  sendPlainPage,
  sendSignInNeeded,
  servePageFile,
} from './web-pages.ts';
import { WebSessions } from './web-sessions.ts';

export interface WebServerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** The built pages (`npm run build`); found beside the sources or the bundle by default. */
  pagesDir?: string;
  /** Browser uploads (`POST /upload`); without it the server accepts none. */
  stageAndQueue?: StageAndQueue;
  /** How long an address from `createOpenUrl` can be used; 60 s by default. */
  tokenTtlMs?: number;
  /** Errors inside the API and uploads, for the agent's log. */
  onError?: (error: unknown) => void;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** A one-time address that signs a browser in and shows `page` (`driveup open [page]`). */
  createOpenUrl(page?: WindowPage): string;
  /** Stops listening and ends every open request and subscription. */
  close(): Promise<void>;
}

/** A transport for the agent's host: started with the router it serves, closed with the agent. */
export interface WebTransport {
  start(router: AnyTRPCRouter): Promise<WebServer>;
  close(): Promise<void>;
  /** The running server; throws before `start`. */
  readonly server: WebServer;
}

export function webTransport(options: WebServerOptions = {}): WebTransport {
  let server: WebServer | undefined;
  return {
    async start(router) {
      server = await startWebServer(router, options);
      return server;
    },
    close: async () => server?.close(),
    get server() {
      if (!server) throw new Error('The web server has not started.');
      return server;
    },
  };
}

/**
 * Web mode: the windows and the API over HTTP on 127.0.0.1, for a browser on this machine (or at
 * the end of an SSH tunnel). Everything but the sign-in link needs the session cookie; API calls
 * and uploads must come from our own pages; requests naming another host are refused (DNS
 * rebinding). The API is tRPC's standalone adapter, subscriptions as server-sent events.
 */
export async function startWebServer(
  router: AnyTRPCRouter,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const sessions = new WebSessions({ tokenTtlMs: options.tokenTtlMs });
  const pagesDir = options.pagesDir ?? defaultPagesDir();
  const api = createHTTPHandler({
    router,
    basePath: '/api/',
    // Queries go as POST, so they carry Origin like every other call (see agent-client.ts).
    allowMethodOverride: true,
    maxBodySize: 4 * 1024 * 1024,
    onError: ({ error }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') options.onError?.(error);
    },
  });
  const server = createServer();
  await listen(server, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  const origin = `http://${host}`;
  // Cookies do not tell ports apart: agents of two data directories keep their own.
  const cookie = `driveup-${port}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    if (!hostIsOurs(req, host)) {
      return sendPlainPage(res, 421, 'Wrong address', [`DriveUp answers only at ${origin}.`]);
    }
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/auth') return redeem(url, res);
    if (!sessions.isSession(cookieValue(req, cookie))) return signInNeeded(req, res, url);
    // GET /upload is the Upload window; anything else sent there is a browser upload.
    const uploading = url.pathname === '/upload' && req.method !== 'GET' && req.method !== 'HEAD';
    if (url.pathname === '/session' || url.pathname.startsWith('/api/') || uploading) {
      if (!comesFromOurPages(req, origin)) {
        return sendJson(res, 403, {
          error: { message: 'Only DriveUp’s own pages may call the agent here.' },
        });
      }
      if (url.pathname === '/session')
        return void res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
      if (uploading) return upload(req, res, url);
      res.setHeader('Cache-Control', 'no-store');
      return api(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: { message: 'Method not allowed.' } });
    if (url.pathname === '/')
      return void res.writeHead(302, { Location: '/history', 'Cache-Control': 'no-store' }).end();
    if (!(await servePageFile(pagesDir, url.pathname, req, res))) {
      sendPlainPage(res, 404, 'Not found', ['DriveUp has no page at this address.']);
    }
  };

  const redeem = (url: URL, res: ServerResponse): void => {
    const next = url.searchParams.get('next') ?? '/history';
    const page = pageOf(next);
    const session = sessions.redeem(url.searchParams.get('token') ?? '');
    if (!session) {
      return sendSignInNeeded(
        res,
        page,
        'This sign-in link was already used or has expired: each link works once, for a minute.',
      );
    }
    res.writeHead(303, {
      'Set-Cookie': `${cookie}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      // Only a page of ours, so the link cannot send the browser anywhere else.
      Location: page ? `/${page}` : '/history',
      'Cache-Control': 'no-store',
    });
    res.end();
  };

  const signInNeeded = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const page = pageOf(url.pathname);
    if (page || url.pathname === '/') {
      return sendSignInNeeded(
        res,
        page,
        'This browser is not signed in to DriveUp, or DriveUp restarted since.',
      );
    }
    sendJson(res, 401, { error: { message: 'Not signed in: run driveup open, then reload.' } });
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'POST' || !options.stageAndQueue) {
      return sendJson(res, 405, { error: { message: 'Send files with POST /upload?name=…' } });
    }
    await handleBrowserUpload(req, res, url, options.stageAndQueue);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'DriveUp could not answer.' } });
      else res.destroy();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    origin,
    port,
    createOpenUrl(page = 'history') {
      if (!isWindowPage(page)) throw new Error(`DriveUp has no window named ${String(page)}.`);
      const token = sessions.mintToken();
      return `${origin}/auth?token=${token}&next=/${page}`;
    },
    close: () => (closing ??= closeServer(server)),
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(value));
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: web mode is for this machine (or an SSH tunnel to it), never the network.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // close() alone would wait for every subscription stream to end, which they never do.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
