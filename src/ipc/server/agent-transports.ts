import { readFile, writeFile } from 'node:fs/promises';
import type { TrpcPort } from '../common/trpc-port.ts';
import { probeSocket } from '../node/agent-probe.ts';
import { AgentAlreadyRunningError } from '../node/socket-errors.ts';
import { startSocketServer, type SocketServer } from './socket-server.ts';
import type { AgentProcessParent } from './process-parent.ts';
import { queueWithAgent, stageThenQueue } from './browser-upload.ts';
import type { PortServerOptions } from './port-server.ts';
import { createPortTransport } from './port-transport.ts';
import type { AgentTransport, ServedApi } from './serve-agent.ts';
import { startWebServer, type WebServer, type WebServerOptions } from './web-server.ts';

/**
 * The Unix socket (a named pipe on Windows) where the CLI finds the agent; also the lock on the
 * data directory (see AgentTransport.lock). It serves the socket router: the API and what only
 * the owner may ask (`web.openUrl`).
 */
export function socketTransport(socketPath: string): AgentTransport {
  let server: SocketServer | undefined;
  return {
    name: 'socket',
    lock: true,
    async claim() {
      // Refused before the database or the log is opened, so a second start changes nothing.
      const occupant = await probeSocket(socketPath);
      if (occupant.kind === 'agent') throw new AgentAlreadyRunningError(socketPath, occupant.pid);
    },
    async start(api) {
      server = await startSocketServer({ router: api.routers.socket, socketPath });
    },
    close: async () => server?.close(),
  };
}

/** Message ports the host program hands over (`serve(port)`): windows, the tray, tests. */
export interface MessagePortTransport extends AgentTransport {
  /** Served at once once started, held until then, closed once closed. */
  serve(port: TrpcPort): void;
}

export function messagePortTransport(options: PortServerOptions<never> = {}): MessagePortTransport {
  const ports = createPortTransport(options as PortServerOptions<never>);
  return {
    name: 'ports',
    serve: (port) => ports.serve(port),
    start: (api) => ports.start(api.routers.app),
    close: () => ports.close(),
  };
}

/**
 * The ports a parent process hands the agent process (Electron's `process.parentPort`, a worker
 * thread's `parentPort`), and its request to stop. It listens from the start (before the engine
 * opens), so ports sent at once wait instead of being lost.
 */
export function parentPortTransport(parent: AgentProcessParent): AgentTransport {
  const ports = createPortTransport();
  let api: ServedApi | undefined;
  let stopAsked = false;
  parent.listen({
    port: (port) => ports.serve(port),
    stop: () => {
      stopAsked = true;
      api?.requestShutdown();
    },
  });
  return {
    name: 'parent',
    async start(served) {
      api = served;
      await ports.start(served.routers.app);
      if (stopAsked) served.requestShutdown();
    },
    // The parent itself is closed by its owner (runAgentProcess) once the agent has stopped.
    close: () => ports.close(),
  };
}

export interface WebModeOptions extends Omit<WebServerOptions, 'port' | 'stageAndQueue'> {
  /** Serve even when the `web.enabled` setting is off (`driveup agent --web`). */
  force?: boolean;
  /**
   * Where the port chosen last time is kept (in the data directory): with `web.port` 0 the agent
   * asks for the same port again after a restart, so an open page reconnects by itself.
   */
  portFile: string;
}

/**
 * Web mode: the windows and the API over loopback HTTP (web-server.ts), when `web.enabled` is set
 * or `force`; browser uploads are staged and queued as `browser` jobs. Inert otherwise.
 */
export function webModeTransport(options: WebModeOptions): AgentTransport {
  let server: WebServer | undefined;
  let api: ServedApi | undefined;
  return {
    name: 'web',
    async start(served) {
      const agent = served.agent;
      const settings = agent?.settings().web;
      if (!options.force && !settings?.enabled) return;
      api = served;
      const stageAndQueue = agent
        ? stageThenQueue(agent.staging, queueWithAgent(agent))
        : undefined;
      const serverOptions = {
        ...options,
        ...(stageAndQueue ? { stageAndQueue } : {}),
        onError: (error: unknown) => served.logError(error, 'web server error'),
      };
      const wanted = settings?.port ?? 0;
      server = await startOnPort(served, serverOptions, wanted, options.portFile);
      served.web.server = server;
    },
    async close() {
      if (api?.web.server === server) api!.web.server = null;
      await server?.close();
    },
  };
}

/**
 * `web.port`, or with 0 the port of the last run when it is free again (any free one otherwise),
 * remembered for the next run.
 */
async function startOnPort(
  api: ServedApi,
  options: WebServerOptions,
  wanted: number,
  portFile: string,
): Promise<WebServer> {
  if (wanted !== 0) return startWebServer(api.routers.app, { ...options, port: wanted });
  const last = await lastPort(portFile);
  let server: WebServer | undefined;
  if (last) {
    server = await startWebServer(api.routers.app, { ...options, port: last }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
        return undefined;
      },
    );
  }
  server ??= await startWebServer(api.routers.app, { ...options, port: 0 });
  await writeFile(portFile, `${server.port}\n`, { mode: 0o600 }).catch((error: unknown) =>
    api.logError(error, 'could not remember the web port'),
  );
  return server;
}

async function lastPort(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const port = Number(text.trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}
