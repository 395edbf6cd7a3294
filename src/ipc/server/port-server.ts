import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  isTrackedEnvelope,
  transformTRPCResponse,
  TRPCError,
  type AnyTRPCRouter,
  type inferRouterContext,
  type TRPCProcedureType,
} from '@trpc/server';
import { isObservable, observableToAsyncIterable } from '@trpc/server/observable';
import {
  parseTRPCMessage,
  TRPC_ERROR_CODES_BY_KEY,
  type TRPCClientOutgoingMessage,
  type TRPCResponseMessage,
  type TRPCResultMessage,
} from '@trpc/server/rpc';
import { createPortOutbox } from '../common/port-outbox.ts';
import type { TrpcPort } from '../common/trpc-port.ts';

type RequestId = string | number;

/**
 * A subscription sends at most this many events ahead of what its client acknowledged
 * (`subscription.ack`, which port-link.ts sends every few hundred events). A client that stops
 * taking events (a renderer that hangs) then stops the stream here, where the event bus bounds what
 * it holds and says `resync`, instead of the agent posting into a port without end.
 */
export const SUBSCRIPTION_WINDOW = 4096;

/** Acknowledgements of one subscription: how many events its client has taken. */
class Credit {
  sent = 0;
  #acked = 0;
  #wake: (() => void) | undefined;

  ack(received: number): void {
    if (received <= this.#acked) return;
    this.#acked = received;
    this.#wake?.();
  }

  /** Resolves once the client is less than a window behind, or `signal` aborts. */
  async room(signal: AbortSignal): Promise<void> {
    while (this.sent - this.#acked >= SUBSCRIPTION_WINDOW && !signal.aborted) {
      const { promise, resolve } = Promise.withResolvers<void>();
      const aborted = () => resolve();
      this.#wake = resolve;
      signal.addEventListener('abort', aborted, { once: true });
      await promise;
      signal.removeEventListener('abort', aborted);
      this.#wake = undefined;
    }
  }
}

export interface PortServerOptions<TRouter extends AnyTRPCRouter> {
  /** Builds the context once per port; routers made with `trpc.ts` need none. */
  createContext?: () => Promise<inferRouterContext<TRouter>> | inferRouterContext<TRouter>;
  /** Every error a call ends with (not the aborts of a closed port), as the socket's `onError`. */
  onError?: (info: {
    error: TRPCError;
    type: TRPCProcedureType | 'unknown';
    path: string | undefined;
    input: unknown;
  }) => void;
}

export interface ServedPort {
  /** Closes the port: every open call here is aborted, and the client's waiting calls fail. */
  close(): void;
  /** Resolves once the port has closed, from either side, and every open call was aborted. */
  readonly closed: Promise<void>;
}

type CallInfo = { type: TRPCProcedureType | 'unknown'; path: string | undefined; input: unknown };

/**
 * Serves a tRPC router over one port, with tRPC's own server primitives (the same calls its
 * WebSocket adapter makes): `parseTRPCMessage` decodes a request with the router's transformer,
 * `callTRPCProcedure` runs it, `getTRPCErrorShape` applies the router's error formatter and
 * `transformTRPCResponse` serializes the answer, so a client sees the same data and the same
 * error shapes (`inputIssues`, codes) as over the socket.
 *
 * Each call gets its own AbortSignal, aborted when the client unsubscribes or aborts the call,
 * and for every open call when the port closes from either side.
 */
export function serveOverPort<TRouter extends AnyTRPCRouter>(
  router: TRouter,
  port: TrpcPort,
  options: PortServerOptions<TRouter> = {},
): ServedPort {
  const config = router._def._config;
  const open = new Map<RequestId, AbortController>();
  const credits = new Map<RequestId, Credit>();
  const { respond, fail } = portResponder(port, router, options.onError);
  let context: Promise<unknown> | undefined;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  const receive = (raw: unknown, batchIndex: number) => {
    const ack = raw as { id?: unknown; method?: unknown; received?: unknown } | null;
    if (ack?.method === 'subscription.ack') {
      const credit = credits.get(ack.id as RequestId);
      if (credit && typeof ack.received === 'number') credit.ack(ack.received);
      return;
    }
    let message: TRPCClientOutgoingMessage;
    try {
      message = parseTRPCMessage(raw, config.transformer);
    } catch (cause) {
      const id = (raw as { id?: unknown } | null)?.id;
      const known = typeof id === 'number' || typeof id === 'string' ? id : null;
      const error = new TRPCError({ code: 'PARSE_ERROR', cause });
      return fail(known, error, { type: 'unknown', path: undefined, input: undefined });
    }
    const { id } = message;
    if (id === null) return;
    if (message.method === 'subscription.stop') return open.get(id)?.abort();
    const { path, lastEventId } = message.params;
    const call = {
      type: message.method,
      path,
      input: withLastEventId(message.params.input, lastEventId),
    };
    if (open.has(id)) {
      return fail(id, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), call);
    }
    const controller = new AbortController();
    open.set(id, controller);
    const credit = new Credit();
    if (call.type === 'subscription') credits.set(id, credit);
    let ctx: unknown;
    const run = async () => {
      ctx = await (context ??= Promise.resolve(options.createContext?.()));
      await runCall({
        router,
        id,
        ctx,
        batchIndex,
        signal: controller.signal,
        respond,
        credit,
        ...call,
      });
    };
    void run()
      // Aborted because the client left or the port closed: nobody is waiting for an answer.
      .catch((cause: unknown) => controller.signal.aborted || fail(id, cause, call, ctx))
      .then(() => {
        if (open.get(id) === controller) open.delete(id);
        if (credits.get(id) === credit) credits.delete(id);
      });
  };

  port.onMessage((data) => {
    if (!Array.isArray(data)) return receive(data, 0);
    data.forEach(receive);
  });
  port.onClose(() => {
    for (const controller of open.values()) controller.abort();
    open.clear();
    markClosed();
  });
  port.start();
  return { close: () => port.close(), closed };
}

/** Runs one call: answers a query or mutation once, streams a subscription until it ends. */
async function runCall(call: {
  router: AnyTRPCRouter;
  id: RequestId;
  type: TRPCProcedureType;
  path: string;
  input: unknown;
  ctx: unknown;
  batchIndex: number;
  signal: AbortSignal;
  respond: (message: TRPCResponseMessage) => void;
  credit: Credit;
}): Promise<void> {
  const { id, type, path, signal, respond } = call;
  const result = await callTRPCProcedure({
    router: call.router,
    path,
    getRawInput: async () => call.input,
    ctx: call.ctx,
    type,
    signal,
    batchIndex: call.batchIndex,
  });
  const streaming = isObservable(result) || isAsyncIterable(result);
  if (type !== 'subscription') {
    if (streaming) throw streamFromNonSubscription(type);
    return respond({ id, result: { type: 'data', data: result } });
  }
  if (!streaming) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${path} is not a stream` });
  }
  const events = isObservable(result) ? observableToAsyncIterable(result, signal) : result;
  await stream(id, events, signal, respond, call.credit);
}

/**
 * What the client gets when its error cannot be formatted or its answer cannot be serialized:
 * nothing about the error, which is what the error formatter would have hidden.
 */
const FALLBACK_ERROR_SHAPE = {
  code: TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR,
  message: 'Internal server error',
  data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
};

/**
 * Answers for one port. Neither `respond` nor `fail` throws: they run in promise handlers and
 * port listeners, where a throw would end the agent, so an answer that cannot be built (a result
 * superjson cannot walk, a formatter that throws) becomes an INTERNAL_SERVER_ERROR for its call.
 */
function portResponder(
  port: TrpcPort,
  router: AnyTRPCRouter,
  onError: PortServerOptions<AnyTRPCRouter>['onError'],
) {
  const config = router._def._config;
  let portOpen = true;
  port.onClose(() => (portOpen = false));
  const report = (error: TRPCError, call: CallInfo) => {
    try {
      onError?.({ error, ...call });
    } catch {
      // The host's error hook failing must not take the port down.
    }
  };
  const shapeOf = (error: TRPCError, call: CallInfo, ctx?: unknown) => {
    try {
      return getTRPCErrorShape({ config, error, ctx, ...call });
    } catch (cause) {
      report(getTRPCErrorFromUnknown(cause), call);
      return FALLBACK_ERROR_SHAPE;
    }
  };
  const internalError = (id: RequestId | null, cause: unknown): unknown => {
    const unknownCall = { type: 'unknown', path: undefined, input: undefined } as const;
    const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause });
    report(error, unknownCall);
    return transformTRPCResponse(config, { id, error: shapeOf(error, unknownCall) });
  };
  // A value the port cannot copy (a function in a result): the caller gets a plain 500.
  const outbox = createPortOutbox(port, (message, cause) =>
    port.postMessage(internalError((message as TRPCResponseMessage).id, cause)),
  );
  const respond = (message: TRPCResponseMessage) => {
    if (!portOpen) return;
    try {
      outbox.push(transformTRPCResponse(config, message));
    } catch (cause) {
      outbox.push(internalError(message.id, cause));
    }
  };
  const fail = (id: RequestId | null, cause: unknown, call: CallInfo, ctx?: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    report(error, call);
    respond({ id, error: shapeOf(error, call, ctx) });
  };
  return { respond, fail };
}

/**
 * Sends a subscription's events until it ends, fails, or `signal` aborts. The generator is
 * always returned, so its `finally` blocks run at once on an unsubscribe or a closed port.
 */
async function stream(
  id: RequestId,
  events: AsyncIterable<unknown>,
  signal: AbortSignal,
  respond: (message: TRPCResponseMessage) => void,
  credit: Credit,
): Promise<void> {
  if (signal.aborted) return;
  const iterator = events[Symbol.asyncIterator]();
  respond({ id, result: { type: 'started' } });
  try {
    for (;;) {
      await credit.room(signal);
      if (signal.aborted) break;
      const next = await nextUnlessAborted(iterator, signal);
      if (next === 'aborted' || next.done) break;
      respond({ id, result: eventResult(next.value) });
      credit.sent += 1;
    }
  } finally {
    await iterator.return?.();
  }
  respond({ id, result: { type: 'stopped' } });
}

/** A `tracked(id, data)` event carries its id, which the client sends back to resume. */
function eventResult(value: unknown): TRPCResultMessage<unknown>['result'] {
  if (!isTrackedEnvelope(value)) return { type: 'data', data: value };
  const [id, data] = value;
  return { type: 'data', id, data: { id, data } };
}

/**
 * The iterator's next value, or 'aborted' as soon as `signal` aborts. Written out instead of a
 * `Promise.race` against one abort promise, whose reactions pile up for as long as a
 * subscription lives; a rejection after the abort settles nothing and is dropped.
 */
function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | 'aborted'> {
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** As tRPC's WebSocket adapter does: a resumed subscription finds the id in its input. */
function withLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  if (input === null || input === undefined) return { lastEventId };
  if (typeof input !== 'object' || Array.isArray(input)) return input;
  return { ...input, lastEventId };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

function streamFromNonSubscription(type: TRPCProcedureType): TRPCError {
  return new TRPCError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: `Cannot return an async iterable or observable from a ${type} over a port`,
  });
}
