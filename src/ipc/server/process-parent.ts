import { MessagePort } from 'node:worker_threads';
import {
  toAgentProcessSchema,
  type FromAgentProcess,
  type SecretReply,
  type ToAgentProcess,
} from '../common/agent-process-protocol.ts';
import type { TrpcPort } from '../common/trpc-port.ts';
import { fromMessagePortMain, type MessagePortMainLike } from '../node/electron-message-port.ts';
import { fromNodeMessagePort } from './node-message-port.ts';

/**
 * Whatever hosts the agent process, as the agent sees it: ports to serve, a stop request, replies
 * to its secret requests, and where it says that it is ready or failed. Messages follow
 * src/ipc/common/agent-process-protocol.ts; anything else is ignored.
 */
export interface AgentProcessParent {
  listen(handlers: { port(port: TrpcPort, client: string): void; stop(): void }): void;
  /** The host's answers to `secret` requests (parent-secret-cipher.ts). */
  onSecretReply(listener: (reply: SecretReply) => void): void;
  post(message: FromAgentProcess): void;
  /** Stops listening, so that the process or thread can end. */
  close(): void;
}

/** One raw message from the host, with the port it carried, already adapted. */
type RawListener = (data: unknown, port: TrpcPort | undefined) => void;

function processParent(raw: {
  /** Attaches the one listener; returns what detaches it. */
  on(listener: RawListener): () => void;
  post(message: FromAgentProcess): void;
}): AgentProcessParent {
  const listeners: Array<(message: ToAgentProcess, port: TrpcPort | undefined) => void> = [];
  let detach: (() => void) | undefined;
  const on = (listener: (typeof listeners)[number]) => {
    listeners.push(listener);
    detach ??= raw.on((data, port) => {
      const parsed = toAgentProcessSchema.safeParse(data);
      // A port nobody will serve is closed, so that its other end learns it at once.
      if (!parsed.success || parsed.data.type !== 'connect') port?.close();
      if (parsed.success) for (const each of listeners) each(parsed.data, port);
    });
  };
  return {
    listen(handlers) {
      on((message, port) => {
        if (message.type === 'stop') handlers.stop();
        else if (message.type === 'connect' && port) handlers.port(port, message.client);
      });
    },
    onSecretReply(listener) {
      on((message) => {
        if (message.type === 'secret-reply') listener(message);
      });
    },
    post: (message) => raw.post(message),
    close() {
      listeners.length = 0;
      detach?.();
      detach = undefined;
    },
  };
}

/** `worker_threads.parentPort`: the host posts `{ type: 'connect', client, port }`, the port transferred. */
export function workerThreadParent(parentPort: MessagePort): AgentProcessParent {
  return processParent({
    on(listener) {
      const onMessage = (data: unknown) => {
        const port = (data as { port?: unknown } | null)?.port;
        listener(data, port instanceof MessagePort ? fromNodeMessagePort(port) : undefined);
      };
      parentPort.on('message', onMessage);
      return () => parentPort.off('message', onMessage);
    },
    post: (message) => parentPort.postMessage(message),
  });
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
  postMessage(message: unknown): void;
}

/**
 * Electron's `process.parentPort` in the agent's `utilityProcess`: main posts
 * `{ type: 'connect', client }` with a `MessagePortMain` in the transfer list.
 */
export function utilityProcessParent(parentPort: UtilityParentPortLike): AgentProcessParent {
  return processParent({
    on(listener) {
      const onMessage = ({ data, ports }: { data: unknown; ports: MessagePortMainLike[] }) => {
        const [port, ...extra] = ports;
        for (const unused of extra) unused.close();
        listener(data, port ? fromMessagePortMain(port) : undefined);
      };
      parentPort.on('message', onMessage);
      return () => parentPort.off('message', onMessage);
    },
    post: (message) => parentPort.postMessage(message),
  });
}
