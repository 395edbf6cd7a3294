import { MessagePort } from 'node:worker_threads';
import type { TrpcPort } from '../common/trpc-port.ts';
import { fromMessagePortMain, type MessagePortMainLike } from './electron-message-port.ts';
import { fromNodeMessagePort } from './node-message-port.ts';

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
