import { Agent, type AgentOptions } from '../core/agent.ts';
import { createAppRouter } from './app-router.ts';
import { probeSocket } from './agent-probe.ts';
import { AgentAlreadyRunningError } from './socket-errors.ts';
import { startSocketServer, type SocketServer } from './socket-server.ts';

export interface HostedAgent {
  agent: Agent;
  server: SocketServer;
  /** Resolves once the agent has stopped, whoever asked (signal, API, caller). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * A running agent serving the API on its local socket: what `driveup agent` and the demo run.
 * The socket is opened before the engine starts, so a second agent for the same data directory
 * is refused before it touches the queue.
 */
export async function hostAgent(options: AgentOptions): Promise<HostedAgent> {
  // Refuse before opening the database or the log, so a second start changes nothing.
  const occupant = await probeSocket(options.paths.socketPath);
  if (occupant.kind === 'agent') {
    throw new AgentAlreadyRunningError(options.paths.socketPath, occupant.pid);
  }
  const agent = await Agent.open(options);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await server.close();
      await agent.stop();
      resolveStopped();
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
  return { agent, server, stopped, stop };
}
