import { createTRPCClient, TRPCClientError, type TRPCClient } from '@trpc/client';
import { tracked, TRPCError } from '@trpc/server';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventBus } from '../../src/core/events/event-bus.ts';
import { AgentGoneError, isAgentGoneError } from '../../src/ipc/common/agent-gone-error.ts';
import { fromDomMessagePort } from '../../src/ipc/common/dom-message-port.ts';
import { portLink } from '../../src/ipc/common/port-link.ts';
import { fromPreloadBridge } from '../../src/ipc/common/preload-bridge.ts';
import type { TrpcPort } from '../../src/ipc/common/trpc-port.ts';
import { fromMessagePortMain } from '../../src/ipc/node/electron-message-port.ts';
import { fromNodeMessagePort } from '../../src/ipc/server/node-message-port.ts';
import { serveOverPort, type ServedPort } from '../../src/ipc/server/port-server.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { startSocketServer, type SocketServer } from '../../src/ipc/server/socket-server.ts';
import { publicProcedure, router, transformer } from '../../src/ipc/server/trpc.ts';
import { useTempDir } from '../support/temp-dir.ts';

type TestEvents = { uploaded: { name: string; at: Date } };

/** What the server side of each call saw: its input, and whether its signal was aborted. */
interface ServerCall {
  path: string;
  input: unknown;
  signal: AbortSignal;
}

function createTestRouter(bus: EventBus<TestEvents>, calls = collector<ServerCall>()) {
  const seen = (path: string, input: unknown, signal: AbortSignal) =>
    calls.push({ path, input, signal });
  return router({
    greet: publicProcedure
      .input(z.object({ name: z.string(), at: z.date() }))
      .query(({ input }) => ({
        text: `Hello, ${input.name}`,
        dayAfter: new Date(input.at.getTime() + 86_400_000),
      })),
    addJob: publicProcedure
      .input(
        z.object({
          folder: z.string().min(1),
          retries: z.number().int().min(0),
          options: z.object({ priority: z.enum(['low', 'high']) }).optional(),
        }),
      )
      .mutation(({ input }) => ({ id: `job-${input.folder}`, queuedAt: new Date(0) })),
    job: publicProcedure.input(z.object({ id: z.string() })).query(({ input }) => {
      throw new TRPCError({ code: 'NOT_FOUND', message: `Nothing with id ${input.id}.` });
    }),
    broken: publicProcedure.query(() => {
      throw new Error('disk on fire');
    }),
    withFunction: publicProcedure.query(() => ({ name: 'x', callback: () => 1 })),
    withFailingGetter: publicProcedure.query(() => ({
      get size(): number {
        throw new Error('the file vanished');
      },
    })),
    /** Answers only when aborted: stands for a call still running when its client goes. */
    hang: publicProcedure.input(z.string()).query(({ input, signal }) => {
      seen('hang', input, signal!);
      return new Promise<string>((resolve) =>
        signal!.addEventListener('abort', () => resolve('aborted')),
      );
    }),
    hangMutation: publicProcedure.mutation(({ signal }) => {
      seen('hangMutation', undefined, signal!);
      return new Promise<string>((resolve) =>
        signal!.addEventListener('abort', () => resolve('aborted')),
      );
    }),
    events: publicProcedure
      .input(z.object({ lastEventId: z.string().nullish() }).optional())
      .subscription(async function* ({ input, signal }) {
        seen('events', input, signal!);
        const afterId = Number(input?.lastEventId ?? 0);
        for await (const event of bus.stream({ afterId, signal })) {
          yield tracked(String(event.id), event);
        }
      }),
  });
}
type TestRouter = ReturnType<typeof createTestRouter>;

/** Collects items and lets the test wait until it has seen enough, without sleeping. */
function collector<T>() {
  const items: T[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  return {
    items,
    push(item: T) {
      items.push(item);
      if (waiter && items.length >= waiter.count) waiter.resolve();
    },
    until(count: number): Promise<void> {
      if (items.length >= count) return Promise.resolve();
      return new Promise((resolve) => (waiter = { count, resolve }));
    },
  };
}

/** Resolves once `signal` is aborted: the test waits for it rather than polling. */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
}

const served: ServedPort[] = [];
const sockets: SocketServer[] = [];
afterEach(async () => {
  for (const port of served.splice(0)) port.close();
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

/**
 * A router served over real worker_threads channels: each `connect()` opens a new channel, the
 * far end served, as an agent host would serve a port main hands it.
 */
function servePorts(routerToServe: TestRouter) {
  const servers: ServedPort[] = [];
  const clientPorts: TrpcPort[] = [];
  /** Every message batch that reached the server (each port message is one entry). */
  const received: unknown[] = [];
  const connect = () => {
    const { port1, port2 } = new MessageChannel();
    const serverPort = fromNodeMessagePort(port2);
    serverPort.onMessage((message) => received.push(message));
    const server = serveOverPort(routerToServe, serverPort);
    servers.push(server);
    served.push(server);
    const clientPort = fromNodeMessagePort(port1);
    clientPorts.push(clientPort);
    return clientPort;
  };
  return { connect, servers, clientPorts, received };
}

function portClient(connect: () => TrpcPort | Promise<TrpcPort>): TRPCClient<TestRouter> {
  return createTRPCClient<TestRouter>({ links: [portLink<TestRouter>({ connect, transformer })] });
}

describe('tRPC over a message port', () => {
  it('round-trips a query and a mutation, keeping dates', async () => {
    const client = portClient(servePorts(createTestRouter(new EventBus())).connect);

    const greeting = await client.greet.query({ name: 'Ada', at: new Date('2025-01-31T10:00Z') });
    expect(greeting.text).toBe('Hello, Ada');
    expect(greeting.dayAfter).toBeInstanceOf(Date);
    expect(greeting.dayAfter.toISOString()).toBe('2025-02-01T10:00:00.000Z');

    const job = await client.addJob.mutate({ folder: 'Invoices', retries: 2 });
    expect(job).toEqual({ id: 'job-Invoices', queuedAt: new Date(0) });
  });

  it('sends calls made together as one message over one port', async () => {
    const ports = servePorts(createTestRouter(new EventBus()));
    const client = portClient(ports.connect);
    const at = new Date();

    const [a, b, job] = await Promise.all([
      client.greet.query({ name: 'a', at }),
      client.greet.query({ name: 'b', at }),
      client.addJob.mutate({ folder: 'c', retries: 0 }),
    ]);

    expect([a.text, b.text, job.id]).toEqual(['Hello, a', 'Hello, b', 'job-c']);
    expect(ports.servers).toHaveLength(1);
    expect(ports.received).toHaveLength(1);
    expect(ports.received[0]).toHaveLength(3);
    // Later calls reuse the port.
    await client.greet.query({ name: 'd', at });
    expect(ports.servers).toHaveLength(1);
  });

  it('answers errors exactly as the socket does: message, code, inputIssues, path', async () => {
    const bus = new EventBus<TestEvents>();
    const socketPath = join(await tempDir(), 'agent.sock');
    sockets.push(await startSocketServer({ socketPath, router: createTestRouter(bus) }));
    const overSocket = createSocketClient<TestRouter>(socketPath);
    const overPort = portClient(servePorts(createTestRouter(bus)).connect);
    const badJob = { retries: -1, options: { priority: 'urgent' } } as never;
    const calls: Array<[string, (client: TRPCClient<TestRouter>) => Promise<unknown>]> = [
      ['bad mutation input', (client) => client.addJob.mutate(badJob)],
      ['bad query input', (client) => client.greet.query({ name: 42 } as never)],
      ['not found', (client) => client.job.query({ id: 'j-1' })],
      ['a failing procedure', (client) => client.broken.query()],
    ];

    for (const [what, call] of calls) {
      const viaSocket = await errorOf(call(overSocket));
      const viaPort = await errorOf(call(overPort));
      expect(viaPort, what).toBeInstanceOf(TRPCClientError);
      expect(viaPort.message, what).toBe(viaSocket.message);
      expect(viaPort.data, what).toEqual(viaSocket.data);
      expect(viaPort.shape, what).toEqual(viaSocket.shape);
    }
    // tRPC words a missing procedure differently over HTTP and over its RPC protocol; the rest agrees.
    const missing = (client: TRPCClient<TestRouter>) =>
      (client as never as Unknown).nothing.here.query();
    const [missingViaSocket, missingViaPort] = [
      await errorOf(missing(overSocket)),
      await errorOf(missing(overPort)),
    ];
    expect(missingViaPort.data).toEqual(missingViaSocket.data);
    expect(missingViaPort.message).toBe('No "query"-procedure on path "nothing.here"');
    const refused = await errorOf(overPort.addJob.mutate(badJob));
    expect(refused.data?.code).toBe('BAD_REQUEST');
    expect(refused.data?.inputIssues).toEqual([
      { field: 'folder', message: 'Required' },
      { field: 'retries', message: 'Too small: expected number to be >=0' },
      { field: 'options.priority', message: 'Invalid option: expected one of "low"|"high"' },
    ]);
    expect((await errorOf(overPort.job.query({ id: 'j-1' }))).data?.code).toBe('NOT_FOUND');
  });

  it('answers a result the port cannot copy or serialize with an error and keeps serving', async () => {
    const client = portClient(servePorts(createTestRouter(new EventBus())).connect);

    const uncopyable = await errorOf(client.withFunction.query());
    const unserializable = await errorOf(client.withFailingGetter.query());

    expect(uncopyable.data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(unserializable.data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect((await client.greet.query({ name: 'still here', at: new Date() })).text).toBe(
      'Hello, still here',
    );
  });

  it('answers a malformed message with a parse error and keeps serving', async () => {
    const ports = servePorts(createTestRouter(new EventBus()));
    const client = portClient(ports.connect);
    await client.greet.query({ name: 'first', at: new Date() });
    const answers = collector<unknown>();
    ports.clientPorts[0]!.onMessage((message) => answers.push(message));

    ports.clientPorts[0]!.postMessage({ id: 99, method: 'drop-tables', params: 'x' });
    await answers.until(1);

    expect(answers.items[0]).toMatchObject({ id: 99, error: { json: { code: -32700 } } });
    expect((await client.greet.query({ name: 'again', at: new Date() })).text).toBe('Hello, again');
  });

  it('fails calls with the reason when no port can be had', async () => {
    const client = portClient(() =>
      Promise.reject(new Error('No agent process: it failed to start.')),
    );

    const error = await errorOf(client.greet.query({ name: 'x', at: new Date() }));

    expect(error.message).toBe('No agent process: it failed to start.');
    expect(isAgentGoneError(error)).toBe(false);
  });
});

describe('subscriptions over a message port', () => {
  it('delivers tracked events, with dates, in order', async () => {
    const bus = new EventBus<TestEvents>();
    const client = portClient(servePorts(createTestRouter(bus)).connect);
    const received = collector<{ id: string; data: { data: unknown } }>();
    bus.emit('uploaded', { name: 'a.pdf', at: new Date(1_000) });

    const subscription = client.events.subscribe(undefined, {
      onData: (event) => received.push(event),
    });
    bus.emit('uploaded', { name: 'b.pdf', at: new Date(2_000) });
    await received.until(2);
    subscription.unsubscribe();

    expect(received.items.map((event) => event.id)).toEqual(['1', '2']);
    expect(received.items[1]!.data.data).toEqual({ name: 'b.pdf', at: new Date(2_000) });
  });

  it('ends the server side of a subscription when the client unsubscribes', async () => {
    const bus = new EventBus<TestEvents>();
    const calls = collector<ServerCall>();
    let ended!: () => void;
    const generatorEnded = new Promise<void>((resolve) => (ended = resolve));
    const base = createTestRouter(bus, calls);
    const routerWithEnd = router({
      ...base._def.record,
      events: publicProcedure.subscription(async function* ({ signal }) {
        try {
          for await (const event of bus.stream({ afterId: 0, signal })) {
            yield tracked(String(event.id), event);
          }
        } finally {
          ended();
        }
      }),
    }) as unknown as TestRouter;
    const client = portClient(servePorts(routerWithEnd).connect);
    const received = collector<string>();
    const subscription = client.events.subscribe(undefined, {
      onData: (event) => received.push(event.id),
    });
    bus.emit('uploaded', { name: 'a', at: new Date() });
    await received.until(1);

    subscription.unsubscribe();

    // Resolves only if the stop reaches the server and the generator's finally runs.
    await generatorEnded;
  });

  it('resumes from the last event id on a new port, missing and repeating nothing', async () => {
    const bus = new EventBus<TestEvents>();
    const calls = collector<ServerCall>();
    const ports = servePorts(createTestRouter(bus, calls));
    let releaseSecondPort!: () => void;
    const secondPortWanted = new Promise<void>((resolve) => (releaseSecondPort = resolve));
    let connects = 0;
    const client = portClient(async () => {
      connects += 1;
      // The host has no new port at once (the agent restarting): events go on meanwhile.
      if (connects === 2) await secondPortWanted;
      return ports.connect();
    });
    const received = collector<string>();
    const states: Array<{ state: string; agentGone: boolean }> = [];
    let starts = 0;
    const subscription = client.events.subscribe(undefined, {
      onStarted: () => starts++,
      onData: (event) => received.push(event.id),
      onConnectionStateChange: (state) =>
        states.push({ state: state.state, agentGone: isAgentGoneError(state.error) }),
    });
    for (const name of ['1', '2', '3']) bus.emit('uploaded', { name, at: new Date() });
    await received.until(3);

    ports.servers[0]!.close();
    await aborted(calls.items[0]!.signal);
    for (const name of ['4', '5']) bus.emit('uploaded', { name, at: new Date() });
    releaseSecondPort();
    bus.emit('uploaded', { name: '6', at: new Date() });
    await received.until(6);
    subscription.unsubscribe();

    expect(received.items).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(starts).toBe(2);
    expect(calls.items.map((call) => call.input)).toEqual([undefined, { lastEventId: '3' }]);
    expect(states).toContainEqual({ state: 'connecting', agentGone: true });
    expect(states.at(-1)).toEqual({ state: 'pending', agentGone: false });
  });
});

describe('a port that closes', () => {
  /** Starts two queries, a mutation and a subscription, and waits until the server runs them all. */
  async function openCalls() {
    const bus = new EventBus<TestEvents>();
    const calls = collector<ServerCall>();
    const ports = servePorts(createTestRouter(bus, calls));
    let connects = 0;
    const client = portClient(() => {
      connects += 1;
      // Later ports never come: the agent is gone for good.
      return connects === 1 ? ports.connect() : new Promise<TrpcPort>(() => {});
    });
    const pending = [
      client.hang.query('a').catch((error: unknown) => error),
      client.hang.query('b').catch((error: unknown) => error),
      client.hangMutation.mutate().catch((error: unknown) => error),
    ];
    const states = collector<{ state: string; error: unknown }>();
    const subscription = client.events.subscribe(undefined, {
      onConnectionStateChange: (state) => states.push(state),
    });
    await calls.until(4);
    return { ports, calls, pending, states, subscription };
  }

  it('aborts every open call on the server and fails every waiting call when the agent closes it', async () => {
    const { ports, calls, pending, states, subscription } = await openCalls();

    ports.servers[0]!.close();

    await Promise.all(calls.items.map((call) => aborted(call.signal)));
    expect(calls.items.map((call) => call.path).sort()).toEqual([
      'events',
      'hang',
      'hang',
      'hangMutation',
    ]);
    for (const error of await Promise.all(pending)) {
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(isAgentGoneError(error)).toBe(true);
      expect((error as Error).message).toBe(new AgentGoneError().message);
    }
    await states.until(3);
    expect(states.items.map((state) => state.state)).toEqual([
      'connecting',
      'pending',
      'connecting',
    ]);
    expect(isAgentGoneError(states.items[2]!.error)).toBe(true);
    subscription.unsubscribe();
  });

  it('aborts every open call on the server when the client side closes it', async () => {
    const { ports, calls, pending, subscription } = await openCalls();

    ports.clientPorts[0]!.close();

    await Promise.all(calls.items.map((call) => aborted(call.signal)));
    for (const error of await Promise.all(pending)) expect(isAgentGoneError(error)).toBe(true);
    await ports.servers[0]!.closed;
    subscription.unsubscribe();
  });

  it('aborts the server side of a call the client aborts', async () => {
    const calls = collector<ServerCall>();
    const client = portClient(servePorts(createTestRouter(new EventBus(), calls)).connect);
    const controller = new AbortController();
    const call = client.hang.query('slow', { signal: controller.signal }).catch((e: unknown) => e);
    await calls.until(1);

    controller.abort();

    await aborted(calls.items[0]!.signal);
    expect(await call).toBeInstanceOf(TRPCClientError);
  });
});

describe('port adapters', () => {
  it('serves a client on a DOM-style MessagePort (EventTarget API)', async () => {
    const { port1, port2 } = new MessageChannel();
    served.push(serveOverPort(createTestRouter(new EventBus()), fromNodeMessagePort(port2)));
    const domPort = fromDomMessagePort(port1);
    const client = portClient(() => domPort);

    expect((await client.greet.query({ name: 'DOM', at: new Date() })).text).toBe('Hello, DOM');
    const closed = new Promise<void>((resolve) => domPort.onClose(resolve));
    port2.close();
    await closed;
  });

  it('serves a client through a preload bridge', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = serveOverPort(createTestRouter(new EventBus()), fromNodeMessagePort(port2));
    served.push(server);
    // What a preload does with its port, minus contextBridge.
    const bridge = fromPreloadBridge({
      send: (message) => port1.postMessage(message),
      onMessage: (listener) => port1.on('message', listener),
      onClose: (listener) => port1.once('close', listener),
      close: () => port1.close(),
    });
    const client = portClient(() => bridge);

    expect((await client.greet.query({ name: 'bridge', at: new Date() })).text).toBe(
      'Hello, bridge',
    );
    bridge.close();
    await server.closed;
  });

  it("starts an Electron MessagePortMain, which (unlike Node's) does not start itself", async () => {
    const { port1, port2 } = new MessageChannel();
    let started = false;
    const early: unknown[] = [];
    let deliver: ((event: { data: unknown }) => void) | undefined;
    port2.on('message', (data) => (started && deliver ? deliver({ data }) : early.push(data)));
    // Behaves as MessagePortMain does: messages wait until start().
    const portMain = {
      postMessage: (message: unknown) => port2.postMessage(message),
      on: (_event: 'message', listener: (event: { data: unknown }) => void) => (deliver = listener),
      once: (_event: 'close', listener: () => void) => port2.once('close', listener),
      start: () => {
        started = true;
        for (const data of early.splice(0)) deliver?.({ data });
      },
      close: () => port2.close(),
    };
    served.push(serveOverPort(createTestRouter(new EventBus()), fromMessagePortMain(portMain)));
    const client = portClient(() => fromNodeMessagePort(port1));

    expect((await client.greet.query({ name: 'main', at: new Date() })).text).toBe('Hello, main');
  });
});

type Unknown = { nothing: { here: { query(): Promise<unknown> } } };

const tempDir = useTempDir();

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<TestRouter>> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (caught: unknown) => caught,
  );
  return error as TRPCClientError<TestRouter>;
}
