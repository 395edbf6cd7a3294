import { TRPCClientError, type Operation, type OperationResultEnvelope } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY, type TRPCResponseMessage } from '@trpc/server/rpc';
import { createPortOutbox } from '../common/port-outbox.ts';
import { transformer } from '../common/transformer.ts';
import type { TrpcPort } from '../common/trpc-port.ts';
import { socketLinks } from './socket-client.ts';
import { findAgentNotRunningError } from './socket-errors.ts';

type RequestId = string | number;

/** Events sent ahead of a window's acknowledgements: the port server's SUBSCRIPTION_WINDOW. */
const EVENT_WINDOW = 4096;

/** One call as port-link.ts posts it (tRPC's WebSocket messages, payloads already serialized). */
interface PortCall {
  id?: unknown;
  method?: unknown;
  params?: { path?: unknown; input?: unknown; lastEventId?: unknown };
}

export interface SocketBridge {
  /** Resolves once the port has closed, from either side, and every call was ended. */
  readonly closed: Promise<void>;
  close(): void;
}

/**
 * Serves a window's port from a headless agent (`driveup agent`) that already owns the data
 * directory: each call the window's port link posts is made again, unchanged, by an untyped tRPC
 * client of the agent's socket, and its answer, error shape or events go back over the port. The
 * process that bridges (Electron's main) thus holds no router and no engine: it only relays.
 *
 * Subscriptions go over the socket's server-sent events. A query or mutation that finds no agent,
 * or an event stream that breaks, closes the port, so that the window sees the agent gone (as
 * when its own agent process ends), asks for a new port and resumes from its last event id.
 * Events are bounded as the port server bounds them: a window more than a window of events behind
 * what it acknowledged (a renderer that hangs) loses its port instead of main holding them all,
 * and resumes from its last event when it connects again.
 */
export function bridgePortToSocket(port: TrpcPort, socketPath: string): SocketBridge {
  // The socket client's own link, called as a client calls it: every answer arrives as tRPC's
  // envelope, a tracked event with its id (an untyped client's `onData` would drop whether the
  // event was tracked, which the window needs to resume).
  const [socketLink] = socketLinks<AnyTRPCRouter>(socketPath, { waitForAgent: true });
  const send = socketLink!({});
  let lastOpId = 0;
  const open = new Map<RequestId, AbortController>();
  /** Per subscription: events posted to the window, and how many it said it has taken. */
  const credits = new Map<RequestId, { sent: number; taken: number }>();
  const outbox = createPortOutbox(port, (message) =>
    port.postMessage(errorResponse((message as { id: RequestId }).id, undefined)),
  );
  let portOpen = true;
  const respond = (message: TRPCResponseMessage | ReturnType<typeof errorResponse>) => {
    if (portOpen) outbox.push(message);
  };
  const fail = (id: RequestId, error: unknown) => {
    // No agent behind the socket any more: the window learns it as it would from its own agent.
    if (findAgentNotRunningError(error)) return port.close();
    respond(errorResponse(id, error));
  };

  const receive = (raw: unknown) => {
    const call = raw as PortCall | null;
    const id = call?.id;
    if (typeof id !== 'number' && typeof id !== 'string') return;
    if (call?.method === 'subscription.stop') return open.get(id)?.abort();
    if (call?.method === 'subscription.ack') {
      const credit = credits.get(id);
      const taken = (raw as { received?: unknown }).received;
      if (credit && typeof taken === 'number') credit.taken = Math.max(credit.taken, taken);
      return;
    }
    const { method, params } = call ?? {};
    if (method !== 'query' && method !== 'mutation' && method !== 'subscription') return;
    if (typeof params?.path !== 'string' || open.has(id))
      return respond(errorResponse(id, undefined, 'BAD_REQUEST'));
    let input: unknown;
    try {
      input = transformer.deserialize(params.input as never);
    } catch (error) {
      return respond(errorResponse(id, error, 'PARSE_ERROR'));
    }
    // As the port server does: a resumed subscription finds the id in its input.
    if (typeof params.lastEventId === 'string' && (input === undefined || isRecord(input)))
      input = { ...input, lastEventId: params.lastEventId };
    const controller = new AbortController();
    open.set(id, controller);
    const { signal } = controller;
    const credit = { sent: 0, taken: 0 };
    if (method === 'subscription') credits.set(id, credit);
    const done = () => {
      if (open.get(id) !== controller) return;
      open.delete(id);
      credits.delete(id);
    };
    const type = method as Operation['type'];
    const op: Operation = { id: ++lastOpId, type, path: params.path, input, context: {}, signal };
    const subscription = send({
      op,
      next: () => {
        throw new Error('the socket link is the last link');
      },
    }).subscribe({
      next: (envelope) => {
        const relayed = relay(id, envelope, respond);
        // The socket's event stream broke (the agent stopped): its link would wait and resume
        // in silence, so a window with only subscriptions open would never learn the agent went.
        if (relayed === 'lost') return port.close();
        if (relayed !== 'data') return;
        credit.sent += 1;
        if (credit.sent - credit.taken > EVENT_WINDOW) port.close();
      },
      error: (error) => {
        done();
        if (!signal.aborted) fail(id, error);
      },
      complete: done,
    });
    signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
  };

  const closed = new Promise<void>((resolve) =>
    port.onClose(() => {
      portOpen = false;
      for (const controller of open.values()) controller.abort();
      open.clear();
      resolve();
    }),
  );
  port.onMessage((data) => (Array.isArray(data) ? data.forEach(receive) : receive(data)));
  port.start();
  return { closed, close: () => port.close() };
}

/**
 * An answer or event from the socket client, as the port server would have sent it: `data` for
 * an answer or an event, `lost` when the socket's event stream is trying to connect again after
 * an error, `other` for the rest.
 */
function relay(
  id: RequestId,
  envelope: OperationResultEnvelope<unknown, TRPCClientError<AnyTRPCRouter>>,
  respond: (message: TRPCResponseMessage) => void,
): 'data' | 'lost' | 'other' {
  const result = envelope.result as { type?: string; id?: string; data?: unknown };
  // The socket's own connection states are not the window's: its port link reports its own.
  if (result.type === 'state') {
    const { state, error } = result as { state?: string; error?: unknown };
    return state === 'connecting' && error ? 'lost' : 'other';
  }
  if (result.type === 'started' || result.type === 'stopped') {
    respond({ id, result: { type: result.type } });
    return 'other';
  }
  // A tracked event keeps its id, so that the window's link can resume from it.
  respond({
    id,
    result: {
      type: 'data',
      ...(result.id !== undefined ? { id: result.id } : {}),
      data: transformer.serialize(result.data),
    },
  });
  return 'data';
}

/**
 * The agent's own error shape when it gave one (a refused input keeps its `inputIssues`), else an
 * internal error with the message, as the port server answers what it cannot shape.
 */
function errorResponse(
  id: RequestId,
  error: unknown,
  code: 'PARSE_ERROR' | 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR' = 'INTERNAL_SERVER_ERROR',
) {
  const shape =
    error instanceof TRPCClientError && error.shape
      ? error.shape
      : {
          code: TRPC_ERROR_CODES_BY_KEY[code],
          message: error instanceof Error ? error.message : 'Internal server error',
          data: { code, httpStatus: code === 'INTERNAL_SERVER_ERROR' ? 500 : 400 },
        };
  return { id, error: transformer.serialize(shape) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
