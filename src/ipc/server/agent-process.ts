import type { AnyTRPCRouter } from '@trpc/server';
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { Agent, AgentOptions } from '../../core/agent.ts';
import type { ToAgentProcess } from '../common/agent-process-protocol.ts';
import type { TrpcPort } from '../common/trpc-port.ts';
import { parentPortTransport } from './agent-transports.ts';
import { fromNodeMessagePort } from './node-message-port.ts';
import type { AgentProcessParent } from './process-parent.ts';
import { serveAgent, serveHost, type AgentTransport, type ServedAgent } from './serve-agent.ts';

export {
  utilityProcessParent,
  workerThreadParent,
  type AgentProcessParent,
  type UtilityParentPortLike,
} from './process-parent.ts';

export interface AgentProcessHost<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Stops the engine; the transport has closed every port by then. */
  stop(): Promise<void>;
}

export type AgentProcessOptions<TRouter extends AnyTRPCRouter> = {
  parent: AgentProcessParent;
  /** Also these ways in (the socket, web mode): DriveUp's own agent only. */
  transports?: readonly AgentTransport[];
} & (
  | {
      /** DriveUp's agent, with the ports its host provides (a secret cipher over the parent port…). */
      agent: AgentOptions;
      /** Once the agent runs: for a host that wants more of it (tests, benchmarks). */
      started?: (agent: Agent) => void;
    }
  | {
      /**
       * Another engine (tests): opens it and its router. `requestShutdown` is for the API's
       * `agent.shutdown`: it stops everything, as the parent's stop request does.
       */
      open(requestShutdown: () => void): Promise<AgentProcessHost<TRouter>>;
    }
);

export interface AgentProcess {
  /** Resolves once the agent has stopped, whoever asked (the parent, the API, the caller). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The agent process's entry: the same host as `driveup agent` (serveAgent), serving every port its
 * parent hands over (Electron's `process.parentPort` in a `utilityProcess`,
 * `worker_threads.parentPort` in Node), and stopping when the parent asks. It listens before the
 * agent opens, so ports sent at once wait for it instead of being lost. It tells the parent
 * `ready` once the agent serves, or `failed` with the reason when it cannot start (and throws).
 */
export async function runAgentProcess<TRouter extends AnyTRPCRouter>(
  options: AgentProcessOptions<TRouter>,
): Promise<AgentProcess> {
  const { parent } = options;
  const transports = [parentPortTransport(parent), ...(options.transports ?? [])];
  let served: ServedAgent;
  try {
    served = await serve(options, transports);
  } catch (error) {
    parent.post({ type: 'failed', message: String((error as Error)?.message ?? error) });
    parent.close();
    throw error;
  }
  parent.post({ type: 'ready' });
  // Listening until the agent has stopped: a secret may still be written on the way down.
  const stopped = served.stopped.then(() => parent.close());
  return {
    stopped,
    stop: async () => void (await served.stop()),
  };
}

async function serve<TRouter extends AnyTRPCRouter>(
  options: AgentProcessOptions<TRouter>,
  transports: AgentTransport[],
): Promise<ServedAgent> {
  if ('agent' in options) {
    const hosted = await serveAgent(options.agent, transports);
    options.started?.(hosted.agent);
    return hosted;
  }
  return serveHost(async (requestShutdown) => {
    const host = await options.open(requestShutdown);
    return {
      routers: { app: host.router, socket: host.router },
      agent: null,
      start: async () => {},
      stop: () => host.stop(),
      forceClose: async () => {},
      logError: () => {},
    };
  }, transports);
}

/**
 * For a Node host running the agent in a worker thread (tests, benchmarks): a new channel whose
 * far end goes to the worker's agent, this end adapted for a port link.
 */
export function connectWorkerAgent(worker: Worker, client = 'test'): TrpcPort {
  const { port1, port2 } = new MessageChannel();
  const connect: ToAgentProcess = { type: 'connect', client };
  worker.postMessage({ ...connect, port: port2 }, [port2]);
  return fromNodeMessagePort(port1);
}

/** Asks the worker thread's agent to stop; the thread ends once it has. */
export function stopWorkerAgent(worker: Worker): void {
  worker.postMessage({ type: 'stop' } satisfies ToAgentProcess);
}
