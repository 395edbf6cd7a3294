import type { AnyTRPCRouter } from '@trpc/server';
import { Agent, type AgentOptions } from '../../core/agent.ts';
import { createAppRouter } from './app-router.ts';
import type { WebServer } from './web-server.ts';
import { createSocketRouter } from './socket-router.ts';

/**
 * How long a stop may take before the host closes what it can and gives up on the rest. Under
 * the 10 s a service manager (or a person at Ctrl-C, or the desktop app quitting) waits; a clean
 * stop takes well under a second.
 */
export const STOP_DEADLINE_MS = 7000;
/** A forced close that itself hangs (a log flush on a dead disk) is not waited for longer. */
const FORCE_CLOSE_MS = 1500;

/** The routers a host serves: the API, and the socket's (the API plus what only its owner may ask). */
export interface HostRouters {
  app: AnyTRPCRouter;
  socket: AnyTRPCRouter;
}

/** What a transport is given to serve. */
export interface ServedApi {
  routers: HostRouters;
  /** The agent, when the host runs DriveUp's own (tests may serve other routers). */
  agent: Agent | null;
  /** Web mode's server, once the web transport runs: `driveup open` mints its addresses. */
  web: { server: WebServer | null };
  /** Stops the host, as `agent.shutdown` does (a parent process asking, a signal). */
  requestShutdown(): void;
  logError(error: unknown, what: string): void;
}

/**
 * One way in to the agent: the Unix socket or named pipe, message ports, loopback HTTP. A host
 * starts every transport it is given and stops them in order.
 */
export interface AgentTransport {
  readonly name: string;
  /**
   * The lock on the data directory (the socket): claimed before the engine opens its database,
   * so a second agent is refused before it touches anything, and closed only after the database
   * is, so a second agent never opens it while this one still has it.
   */
  readonly lock?: boolean;
  /** Before the engine opens: refuse (throw) when another agent holds the data directory. */
  claim?(): Promise<void>;
  start(api: ServedApi): Promise<void>;
  /** Ends every connection and call; closes only what it started. */
  close(): Promise<void>;
}

/** What a host runs: opened with the shutdown hook, started once every transport serves it. */
export interface HostedEngine {
  routers: HostRouters;
  agent: Agent | null;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Closes the database and the log whatever still runs (the deadline passed). */
  forceClose(): Promise<void>;
  logError(error: unknown, what: string): void;
}

export interface StopOutcome {
  /** False when the engine had to be closed by force at the deadline (the log says what). */
  clean: boolean;
}

export interface ServedAgent {
  /** Resolves once the host has stopped, whoever asked (a signal, the API, the parent, the caller). */
  readonly stopped: Promise<StopOutcome>;
  stop(): Promise<StopOutcome>;
  /** Web mode's server, when it runs. */
  readonly web: WebServer | null;
}

export interface ServeOptions {
  /** Default STOP_DEADLINE_MS. */
  stopDeadlineMs?: number;
}

/**
 * One host, many transports: opens DriveUp's agent (its ports in `options`) and serves its API
 * on every transport given (`socketTransport`, `portTransport`, `parentPortTransport`,
 * `webModeTransport`). What `driveup agent` and the desktop app's agent process both run.
 */
export async function serveAgent(
  options: AgentOptions,
  transports: readonly AgentTransport[],
  serve: ServeOptions = {},
): Promise<ServedAgent & { agent: Agent }> {
  let agent!: Agent;
  const served = await serveHost(
    async (requestShutdown, web) => {
      agent = await Agent.open(options);
      const app = createAppRouter(agent, { requestShutdown });
      return {
        routers: { app, socket: createSocketRouter(app, web) },
        agent,
        start: () => agent.start(),
        stop: () => agent.stop(),
        forceClose: () => agent.forceClose(),
        logError: (error, what) => agent.logger.error({ err: error }, what),
      };
    },
    transports,
    serve,
  );
  return Object.assign(served, { agent });
}

/**
 * The host itself, for any engine: claims the locks, opens the engine, starts every transport,
 * then the engine; stops in the reverse order within a deadline, the lock last.
 */
export async function serveHost(
  open: (requestShutdown: () => void, web: ServedApi['web']) => Promise<HostedEngine>,
  transports: readonly AgentTransport[],
  options: ServeOptions = {},
): Promise<ServedAgent> {
  const web: ServedApi['web'] = { server: null };
  const stopped = Promise.withResolvers<StopOutcome>();
  let engine: HostedEngine | undefined;
  let stopping: Promise<StopOutcome> | undefined;
  let stopAsked = false;
  let running = false;
  const started: AgentTransport[] = [];
  const stop = (): Promise<StopOutcome> => {
    if (!engine || !running) {
      // Asked before the engine has started (the desktop app quitting as its agent starts): it
      // stops as soon as it has, rather than closing a database that start() is about to use.
      stopAsked = true;
      return stopped.promise;
    }
    const opened = engine;
    stopping ??= (async () => {
      await closeAll(started.filter((t) => !t.lock));
      const clean = await stopWithin(opened, options.stopDeadlineMs ?? STOP_DEADLINE_MS);
      await closeAll(started.filter((t) => t.lock));
      stopped.resolve({ clean });
      return { clean };
    })();
    return stopping;
  };
  const requestShutdown = () => void stop();

  // Called at once when nothing is to be claimed: a parent's ports may wait for the engine.
  const claims = transports.flatMap((transport) => (transport.claim ? [transport.claim()] : []));
  if (claims.length) await Promise.all(claims);
  try {
    engine = await open(requestShutdown, web);
  } catch (error) {
    await closeAll(transports);
    throw error;
  }
  const api: ServedApi = {
    routers: engine.routers,
    agent: engine.agent,
    web,
    requestShutdown,
    logError: (error, what) => engine!.logError(error, what),
  };
  try {
    // The lock first, as it was claimed first.
    for (const transport of [...transports].sort((a, b) => Number(b.lock) - Number(a.lock))) {
      await transport.start(api);
      started.push(transport);
    }
    await engine.start();
  } catch (error) {
    await closeAll(started.filter((t) => !t.lock));
    await engine
      .stop()
      .catch((cause: unknown) => engine!.logError(cause, 'stopping after a failed start'));
    await closeAll(transports.filter((t) => t.lock || !started.includes(t)));
    throw error;
  }
  running = true;
  if (stopAsked) void stop();
  return {
    stopped: stopped.promise,
    stop,
    get web() {
      return web.server;
    },
  };
}

async function closeAll(transports: readonly AgentTransport[]): Promise<void> {
  await Promise.all(transports.map((transport) => transport.close().catch(() => undefined)));
}

/** Stops the engine, or at the deadline logs why not and closes its database and log by force. */
async function stopWithin(engine: HostedEngine, deadlineMs: number): Promise<boolean> {
  const stopped = engine.stop().then(
    () => true,
    (error: unknown) => {
      engine.logError(error, 'the agent failed while stopping');
      return false;
    },
  );
  const late = Symbol('late');
  const outcome = await Promise.race([stopped, after(deadlineMs, late)]);
  if (outcome !== late) return outcome || (await forceClose(engine));
  engine.logError(
    new Error(`not stopped within ${deadlineMs} ms`),
    'the agent did not stop in time: closing its database and log by force, then exiting',
  );
  return forceClose(engine).then(() => false);
}

async function forceClose(engine: HostedEngine): Promise<boolean> {
  await Promise.race([engine.forceClose().catch(() => {}), after(FORCE_CLOSE_MS, undefined)]);
  return false;
}

function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
