import type { AnyTRPCRouter } from '@trpc/server';
import { MessageChannel, MessagePort, type Worker } from 'node:worker_threads';
import type { TrpcPort } from '../common/trpc-port.ts';
import { fromMessagePortMain, type MessagePortMainLike } from './electron-message-port.ts';
import { fromNodeMessagePort } from './node-message-port.ts';
import type { PortServerOptions } from './port-server.ts';
import { createPortTransport } from './port-transport.ts';

/** The host hands the agent a port to serve: the port travels in the message's transfer list. */
export const AGENT_PORT_MESSAGE = 'driveup.agent.port';
/** The host asks the agent to stop (the desktop app quitting): it stops and its process ends. */
export const AGENT_STOP_MESSAGE = 'driveup.agent.stop';

/** Whatever hosts the agent process, as the agent sees it: ports to serve, and a stop request. */
export interface AgentProcessParent {
  listen(handlers: { port(port: TrpcPort): void; stop(): void }): void;
  /** Stops listening, so that the process or thread can end. */
  close(): void;
}

/** `worker_threads.parentPort`: the host posts `{ type, port }` with the port transferred. */
export function workerThreadParent(parentPort: MessagePort): AgentProcessParent {
  let onMessage: ((value: unknown) => void) | undefined;
  return {
    listen(handlers) {
      onMessage = (value) => {
        const message = value as { type?: unknown; port?: unknown } | null;
        if (message?.type === AGENT_STOP_MESSAGE) handlers.stop();
        if (message?.type === AGENT_PORT_MESSAGE && message.port instanceof MessagePort) {
          handlers.port(fromNodeMessagePort(message.port));
        }
      };
      parentPort.on('message', onMessage);
    },
    close() {
      if (onMessage) parentPort.off('message', onMessage);
    },
  };
}

/**
 * The part of Electron's `process.parentPort` (in a `utilityProcess`) the agent uses; Electron's
 * own type is checked against it in `test/ipc/electron-port-types.test.ts`.
 */
export interface UtilityParentPortLike {
  on(
    event: 'message',
    listener: (event: { data: unknown; ports: MessagePortMainLike[] }) => void,
  ): unknown;
  off(
    event: 'message',
    listener: (event: { data: unknown; ports: MessagePortMainLike[] }) => void,
  ): unknown;
}

/**
 * Electron's `process.parentPort` in the agent's `utilityProcess`: main posts
 * `{ type: AGENT_PORT_MESSAGE }` with a `MessagePortMain` in the transfer list.
 */
export function utilityProcessParent(parentPort: UtilityParentPortLike): AgentProcessParent {
  let onMessage: ((event: { data: unknown; ports: MessagePortMainLike[] }) => void) | undefined;
  return {
    listen(handlers) {
      onMessage = ({ data, ports }) => {
        const type = (data as { type?: unknown } | null)?.type;
        if (type === AGENT_STOP_MESSAGE) handlers.stop();
        if (type === AGENT_PORT_MESSAGE)
          for (const port of ports) handlers.port(fromMessagePortMain(port));
      };
      parentPort.on('message', onMessage);
    },
    close() {
      if (onMessage) parentPort.off('message', onMessage);
    },
  };
}

export interface AgentProcessHost<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Stops the agent; the transport has closed every port by then. */
  stop(): Promise<void>;
}

export interface AgentProcessOptions<TRouter extends AnyTRPCRouter> {
  parent: AgentProcessParent;
  /**
   * Opens and starts the agent and its router, however this host builds them. `requestShutdown`
   * is for the API's `agent.shutdown`: it stops everything, as the host's stop request does.
   */
  open(requestShutdown: () => void): Promise<AgentProcessHost<TRouter>>;
  server?: PortServerOptions<TRouter>;
}

export interface AgentProcess {
  /** Resolves once the agent has stopped, whoever asked (the host, the API, the caller). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The agent process's entry: serves every port its host hands over (Electron's
 * `process.parentPort` in a `utilityProcess`, `worker_threads.parentPort` in Node). It listens
 * before the agent opens, so ports sent at once wait for it instead of being lost.
 */
export async function runAgentProcess<TRouter extends AnyTRPCRouter>(
  options: AgentProcessOptions<TRouter>,
): Promise<AgentProcess> {
  const transport = createPortTransport(options.server as PortServerOptions<AnyTRPCRouter>);
  let host: AgentProcessHost<TRouter> | undefined;
  let stopRequested = false;
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stop = () =>
    (stopping ??= (async () => {
      try {
        options.parent.close();
        await transport.close();
        await host?.stop();
      } finally {
        markStopped();
      }
    })());
  options.parent.listen({
    port: (port) => transport.serve(port),
    stop: () => {
      stopRequested = true;
      if (host) void stop();
    },
  });
  try {
    host = await options.open(() => void stop());
  } catch (error) {
    options.parent.close();
    await transport.close();
    throw error;
  }
  await transport.start(host.router);
  if (stopRequested) void stop();
  return { stopped, stop };
}

/**
 * For a Node host running the agent in a worker thread (tests, benchmarks): a new channel whose
 * far end goes to the worker's agent, this end adapted for a port link.
 */
export function connectWorkerAgent(worker: Worker): TrpcPort {
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ type: AGENT_PORT_MESSAGE, port: port2 }, [port2]);
  return fromNodeMessagePort(port1);
}

/** Asks the worker thread's agent to stop; the thread ends once it has. */
export function stopWorkerAgent(worker: Worker): void {
  worker.postMessage({ type: AGENT_STOP_MESSAGE });
}
