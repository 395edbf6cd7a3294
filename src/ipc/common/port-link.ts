import {
  TRPCClientError,
  type Operation,
  type OperationResultEnvelope,
  type TRPCLink,
} from '@trpc/client';
import { getTransformer, type TransformerOptions } from '@trpc/client/unstable-internals';
import type {
  AnyTRPCRouter,
  inferTRPCClientTypes,
  TRPCCombinedDataTransformer,
} from '@trpc/server';
import { observable, type Observer } from '@trpc/server/observable';
import type { TRPCClientOutgoingMessage, TRPCResponseMessage } from '@trpc/server/rpc';
// The client's own links validate and deserialize answers with this; it ships in @trpc/client.
import { transformResult } from '@trpc/server/unstable-core-do-not-import';
import { AgentGoneError } from './agent-gone-error.ts';
import { createPortOutbox } from './port-outbox.ts';
import type { TrpcPort } from './trpc-port.ts';

export type PortLinkOptions<TRouter extends AnyTRPCRouter> = {
  /**
   * Hands over a port to the agent: at the first call, and again whenever a call needs one after
   * the last port closed. It may wait (until the host has a new agent); if it rejects, the calls
   * waiting for it fail with its error.
   */
  connect: () => TrpcPort | Promise<TrpcPort>;
  /**
   * First wait before a subscription tries another port when the last one closed before the
   * subscription started (doubling up to 10 s); 500 ms by default. The first try is immediate.
   */
  reconnectDelayMs?: number;
} & TransformerOptions<inferTRPCClientTypes<TRouter>>;

type Envelope<TRouter extends AnyTRPCRouter> = OperationResultEnvelope<
  unknown,
  TRPCClientError<TRouter>
>;
type ResultObserver<TRouter extends AnyTRPCRouter> = Observer<
  Envelope<TRouter>,
  TRPCClientError<TRouter>
>;

/** What a port session tells one call. */
interface Exchange {
  answer(response: TRPCResponseMessage): void;
  /** The port closed before the call ended. */
  lost(): void;
  /** The request could not be posted (its input cannot be copied). */
  refused(error: unknown): void;
}

/**
 * A subscription acknowledges the events it has taken every so many (the server sends at most a
 * window ahead, see port-server.ts): a page too busy to take them holds the agent's stream back.
 */
const ACK_EVERY = 256;

interface PortSession {
  readonly closed: boolean;
  send(request: TRPCClientOutgoingMessage & { id: number }, exchange: Exchange): void;
  /** Tells the server how many events of subscription `id` were taken. */
  ack(id: number, received: number): void;
  /** Forgets a call; `stop` also tells the server to abort it. */
  end(id: number, stop: boolean): void;
}

/**
 * A terminating tRPC link over a {@link TrpcPort}, for windows, the tray and tests: queries and
 * mutations, calls made in the same turn sent as one message, and subscriptions that resume on
 * a new port from the last `tracked()` id they saw (as `httpSubscriptionLink` does over HTTP).
 *
 * Written here rather than taken from electron-trpc, which supports only tRPC 10 (its v11 forks
 * fail async-generator subscriptions on Node 24). The messages are tRPC's own WebSocket protocol
 * (`TRPCClientOutgoingMessage` / `TRPCResponseMessage`), posted as objects instead of text.
 *
 * When the port closes, queries and mutations still waiting fail with a `TRPCClientError` caused
 * by {@link AgentGoneError} (test with `isAgentGoneError`); subscriptions report a `connecting`
 * state with that error and carry on over the next port `connect` gives.
 */
export function portLink<TRouter extends AnyTRPCRouter>(
  options: PortLinkOptions<TRouter>,
): TRPCLink<TRouter> {
  const transformer = getTransformer(options.transformer);
  const reconnectDelayMs = options.reconnectDelayMs ?? 500;
  return () => {
    const ports = portConnector(options.connect);
    return ({ op }) =>
      observable<Envelope<TRouter>, TRPCClientError<TRouter>>((observer) =>
        op.type === 'subscription'
          ? subscribe(op, observer, { ports, transformer, reconnectDelayMs })
          : request(op, observer, { ports, transformer }),
      );
  };
}

interface CallContext {
  ports: PortConnector;
  transformer: TRPCCombinedDataTransformer;
}

function request<TRouter extends AnyTRPCRouter>(
  op: Operation,
  observer: ResultObserver<TRouter>,
  { ports, transformer }: CallContext,
): () => void {
  const id = ports.nextId();
  let session: PortSession | undefined;
  let settled = false;
  const settle = () => !settled && (settled = true);
  const fail = (error: unknown) => {
    if (settle()) observer.error(asClientError<TRouter>(error));
  };
  ports.withSession((opened) => {
    if (settled) return;
    session = opened;
    const params = { path: op.path, input: transformer.input.serialize(op.input) };
    opened.send(
      { id, method: op.type, params },
      {
        answer(response) {
          if (!settle()) return;
          const result = decode<TRouter>(response, transformer);
          if (result instanceof TRPCClientError) return observer.error(result);
          observer.next({ result });
          observer.complete();
        },
        lost: () => fail(new AgentGoneError()),
        refused: fail,
      },
    );
  }, fail);
  // An aborted call (tRPC hands links the caller's signal) aborts the procedure's signal too.
  const abort = () => {
    if (!settle()) return;
    session?.end(id, true);
    observer.complete();
  };
  return onAbort(op.signal, abort);
}

function subscribe<TRouter extends AnyTRPCRouter>(
  op: Operation,
  observer: ResultObserver<TRouter>,
  { ports, transformer, reconnectDelayMs }: CallContext & { reconnectDelayMs: number },
): () => void {
  let lastEventId: string | undefined;
  let id = 0;
  let received = 0;
  let session: PortSession | undefined;
  let ended = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const state = (
    name: 'connecting' | 'pending' | 'idle',
    error: TRPCClientError<TRouter> | null = null,
  ) =>
    observer.next({ result: { type: 'state', state: name, error } as Envelope<TRouter>['result'] });
  const fail = (error: unknown) => {
    if (ended) return;
    ended = true;
    observer.error(asClientError<TRouter>(error));
  };
  const exchange: Exchange = {
    answer(response) {
      const result = decode<TRouter>(response, transformer);
      if (result instanceof TRPCClientError) return fail(result);
      if (result.type === 'started') {
        failures = 0;
        observer.next({ result });
        state('pending');
      } else if (result.type === 'stopped') {
        ended = true;
        state('idle');
        observer.complete();
      } else {
        if ('id' in result && result.id !== undefined) lastEventId = String(result.id);
        observer.next({ result });
        received += 1;
        if (received % ACK_EVERY === 0) session?.ack(id, received);
      }
    },
    lost() {
      if (ended) return;
      state('connecting', asClientError<TRouter>(new AgentGoneError()));
      const delay = failures === 0 ? 0 : Math.min(reconnectDelayMs * 2 ** (failures - 1), 10_000);
      failures += 1;
      if (delay === 0) open();
      else retry = setTimeout(open, delay);
    },
    refused: fail,
  };
  const open = () =>
    ports.withSession((opened) => {
      if (ended) return;
      session = opened;
      id = ports.nextId();
      received = 0;
      const params = { path: op.path, input: transformer.input.serialize(op.input), lastEventId };
      opened.send({ id, method: 'subscription', params }, exchange);
    }, fail);
  state('connecting');
  open();
  return onAbort(op.signal, () => {
    if (ended) return;
    ended = true;
    clearTimeout(retry);
    session?.end(id, true);
    observer.complete();
  });
}

/**
 * Runs `stop` when `signal` aborts, as tRPC's links do with the signal a caller passes; returns
 * the observable's teardown, which stops too (an unsubscribe) and drops the listener.
 */
function onAbort(signal: Operation['signal'], stop: () => void): () => void {
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  return () => {
    signal?.removeEventListener('abort', stop);
    stop();
  };
}

/** An answer deserialized with the transformer, or the error it carries as a TRPCClientError. */
function decode<TRouter extends AnyTRPCRouter>(
  response: TRPCResponseMessage,
  transformer: TRPCCombinedDataTransformer,
) {
  try {
    const transformed = transformResult(response, transformer.output);
    return transformed.ok ? transformed.result : asClientError<TRouter>(transformed.error);
  } catch (error) {
    return asClientError<TRouter>(error);
  }
}

function asClientError<TRouter extends AnyTRPCRouter>(cause: unknown): TRPCClientError<TRouter> {
  return TRPCClientError.from(cause as Error) as TRPCClientError<TRouter>;
}

interface PortConnector {
  nextId(): number;
  /** Runs `use` with an open session (at once when there is one), or `fail` if none can be had. */
  withSession(use: (session: PortSession) => void, fail: (error: unknown) => void): void;
}

/** One client's port: opened on demand, replaced after it closes, shared by every call. */
function portConnector(connect: () => TrpcPort | Promise<TrpcPort>): PortConnector {
  let lastId = 0;
  let session: PortSession | undefined;
  let opening: Promise<PortSession> | undefined;
  const open = async () => {
    try {
      session = openSession(await connect());
      return session;
    } finally {
      opening = undefined;
    }
  };
  return {
    nextId: () => ++lastId,
    withSession(use, fail) {
      if (session && !session.closed) {
        try {
          use(session);
        } catch (error) {
          fail(error);
        }
        return;
      }
      opening ??= open();
      opening.then(use).catch(fail);
    },
  };
}

function openSession(port: TrpcPort): PortSession {
  const calls = new Map<number, { subscription: boolean; exchange: Exchange }>();
  let closed = false;
  const outbox = createPortOutbox(port, (message, error) => {
    const id = (message as { id?: unknown }).id;
    const call = typeof id === 'number' ? calls.get(id) : undefined;
    if (!call) return;
    calls.delete(id as number);
    call.exchange.refused(error);
  });
  port.onMessage((data) => {
    for (const response of Array.isArray(data) ? data : [data]) {
      try {
        answer(response);
      } catch (error) {
        // A subscriber's callback threw: the rest of the batch is still delivered, and the error
        // surfaces as tRPC's own links surface it, uncaught on a later turn.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  });
  const answer = (response: unknown) => {
    const id = (response as { id?: unknown } | null)?.id;
    const call = typeof id === 'number' ? calls.get(id) : undefined;
    if (!call) return;
    const message = response as TRPCResponseMessage;
    const final = !call.subscription || 'error' in message || message.result?.type === 'stopped';
    if (final) calls.delete(id as number);
    call.exchange.answer(message);
  };
  port.onClose(() => {
    closed = true;
    const lost = [...calls.values()];
    calls.clear();
    for (const call of lost) call.exchange.lost();
  });
  port.start();
  return {
    get closed() {
      return closed;
    },
    send(request, exchange) {
      if (closed) return exchange.lost();
      calls.set(request.id, { subscription: request.method === 'subscription', exchange });
      outbox.push(request);
    },
    end(id, stop) {
      if (calls.delete(id) && stop && !closed) outbox.push({ id, method: 'subscription.stop' });
    },
    ack(id, received) {
      if (calls.has(id) && !closed) outbox.push({ id, method: 'subscription.ack', received });
    },
  };
}
