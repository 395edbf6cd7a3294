import { Agent, type AgentOptions } from '../../core/agent.ts';
import { createAppRouter } from './app-router.ts';
import { probeSocket } from '../node/agent-probe.ts';
import { AgentAlreadyRunningError } from '../node/socket-errors.ts';
import { startSocketServer, type SocketServer } from './socket-server.ts';

/**
 * How long a stop may take before the host closes what it can and gives up on the rest. Under
 * the 10 s a service manager (or a person at Ctrl-C) waits; a clean stop takes well under a second.
 */
const STOP_DEADLINE_MS = 7000;
/** A forced close that itself hangs (a log flush on a dead disk) is not waited for longer. */
const FORCE_CLOSE_MS = 1500;

export interface StopOutcome {
  /** False when the agent had to be closed by force at the deadline (the log says what). */
  clean: boolean;
}

export interface HostedAgent {
  agent: Agent;
  server: SocketServer;
  /** Resolves once the agent has stopped, whoever asked (signal, API, caller). */
  stopped: Promise<StopOutcome>;
  stop(): Promise<StopOutcome>;
}

export interface HostOptions extends AgentOptions {
  /** Default STOP_DEADLINE_MS. */
  stopDeadlineMs?: number;
}

/**
 * A running agent serving the API on its local socket: what `driveup agent` and the demo run.
 *
 * The socket is the lock on the data directory: it is opened before the engine starts, so a
 * second agent for the same directory is refused before it touches the queue, and it is removed
 * only after the database is closed, so a second agent never opens the database while this one
 * still has it.
 */
export async function hostAgent(options: HostOptions): Promise<HostedAgent> {
  // Refuse before opening the database or the log, so a second start changes nothing.
  const occupant = await probeSocket(options.paths.socketPath);
  if (occupant.kind === 'agent') {
    throw new AgentAlreadyRunningError(options.paths.socketPath, occupant.pid);
  }
  const agent = await Agent.open(options);
  const stopped = Promise.withResolvers<StopOutcome>();
  let stopping: Promise<StopOutcome> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const clean = await stopWithin(agent, options.stopDeadlineMs ?? STOP_DEADLINE_MS);
      await server.close();
      stopped.resolve({ clean });
      return { clean };
    })();
    return stopping;
  };
  const router = createAppRouter(agent, { requestShutdown: () => void stop() });
  let server: SocketServer;
  try {
    server = await startSocketServer({ router, socketPath: options.paths.socketPath });
  } catch (error) {
    await agent.stop();
    throw error;
  }
  await agent.start();
  return { agent, server, stopped: stopped.promise, stop };
}

/** Stops the agent, or at the deadline logs why not and closes its database and log by force. */
async function stopWithin(agent: Agent, deadlineMs: number): Promise<boolean> {
  const stopped = agent.stop().then(
    () => true,
    (error: unknown) => {
      agent.logger.error({ err: error }, 'the agent failed while stopping');
      return false;
    },
  );
  const late = Symbol('late');
  const outcome = await Promise.race([stopped, after(deadlineMs, late)]);
  if (outcome !== late) return outcome || (await forceClose(agent));
  agent.logger.error(
    { deadlineMs },
    'the agent did not stop in time: closing its database and log by force, then exiting',
  );
  return forceClose(agent).then(() => false);
}

async function forceClose(agent: Agent): Promise<boolean> {
  await Promise.race([agent.forceClose().catch(() => {}), after(FORCE_CLOSE_MS, undefined)]);
  return false;
}

function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
