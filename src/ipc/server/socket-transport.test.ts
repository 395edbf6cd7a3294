import { TRPCClientError, type TRPCClient } from '@trpc/client';
import { tracked } from '@trpc/server';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { EventBus } from '../../core/events/event-bus.ts';
import { createInProcessClient } from './in-process-client.ts';
import { createSocketClient } from '../node/socket-client.ts';
import { findAgentNotRunningError, isAgentNotRunningError } from '../node/socket-errors.ts';
import { startSocketServer, type SocketServer } from './socket-server.ts';
import { publicProcedure, router } from './trpc.ts';

type TestEvents = { uploaded: { name: string; at: Date } };

function createTestRouter(bus: EventBus<TestEvents>, onSubscriptionEnd = () => {}) {
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
    events: publicProcedure
      .input(z.object({ lastEventId: z.string().nullish() }).optional())
      .subscription(async function* ({ input, signal }) {
        // Replays from the id the client last saw (0: everything kept), then follows live events.
        const afterId = Number(input?.lastEventId ?? 0);
        try {
          for await (const event of bus.stream({ afterId, signal })) {
            yield tracked(String(event.id), event);
          }
        } finally {
          onSubscriptionEnd();
        }
      }),
  });
}
type TestRouter = ReturnType<typeof createTestRouter>;
type TestEvent = { id: number; at: Date; data: { name: string; at: Date } };

const tempDir = useTempDir();
const servers: SocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(
  socketPath: string,
  bus = new EventBus<TestEvents>(),
  onSubscriptionEnd?: () => void,
) {
  const requests: string[] = [];
  const server = await startSocketServer({
    socketPath,
    router: createTestRouter(bus, onSubscriptionEnd),
    // tRPC builds one context per HTTP request, which lets the test count requests.
    createContext: ({ req }) => {
      requests.push(`${req.method} ${req.url}`);
      return {};
    },
  });
  servers.push(server);
  return { server, requests, bus };
}

async function socketPathIn(): Promise<string> {
  return join(await tempDir(), 'data', 'agent.sock');
}

/** Collects a subscription's data and lets the test wait until it has seen enough, without sleeping. */
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

describe('socket transport', () => {
  it('round-trips a query and a mutation over the socket, keeping dates', async () => {
    const socketPath = await socketPathIn();
    await serve(socketPath);
    const client = createSocketClient<TestRouter>(socketPath);

    const greeting = await client.greet.query({
      name: 'Ada',
      at: new Date('2025-01-31T10:00:00Z'),
    });
    expect(greeting.text).toBe('Hello, Ada');
    expect(greeting.dayAfter).toBeInstanceOf(Date);
    expect(greeting.dayAfter.toISOString()).toBe('2025-02-01T10:00:00.000Z');

    const job = await client.addJob.mutate({ folder: 'Invoices', retries: 2 });
    expect(job).toEqual({ id: 'job-Invoices', queuedAt: new Date(0) });
  });

  it('sends calls made together in one HTTP request', async () => {
    const socketPath = await socketPathIn();
    const { requests } = await serve(socketPath);
    const client = createSocketClient<TestRouter>(socketPath);
    const at = new Date();

    const results = await Promise.all(
      ['a', 'b', 'c'].map((name) => client.greet.query({ name, at })),
    );

    expect(results.map((result) => result.text)).toEqual(['Hello, a', 'Hello, b', 'Hello, c']);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^POST \/greet,greet,greet\?batch=1/);
  });

  it('carries inputs larger than an HTTP request head may be', async () => {
    const socketPath = await socketPathIn();
    await serve(socketPath);
    const client = createSocketClient<TestRouter>(socketPath);
    const name = 'x'.repeat(100_000);

    const greeting = await client.greet.query({ name, at: new Date() });

    expect(greeting.text).toBe(`Hello, ${name}`);
  });

  it('rejects bad input with one clear message per field and keeps serving', async () => {
    const socketPath = await socketPathIn();
    await serve(socketPath);
    const client = createSocketClient<TestRouter>(socketPath);

    const bad = client.addJob.mutate({
      retries: -1,
      options: { priority: 'urgent' },
    } as unknown as { folder: string; retries: number });
    const error = await bad.catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TRPCClientError);
    const clientError = error as TRPCClientError<TestRouter>;
    expect(clientError.message).toBe(
      'folder: Required; retries: Too small: expected number to be >=0; ' +
        'options.priority: Invalid option: expected one of "low"|"high"',
    );
    expect(clientError.data?.code).toBe('BAD_REQUEST');
    expect(clientError.data?.inputIssues).toEqual([
      { field: 'folder', message: 'Required' },
      { field: 'retries', message: 'Too small: expected number to be >=0' },
      { field: 'options.priority', message: 'Invalid option: expected one of "low"|"high"' },
    ]);

    // A bad call in a batch fails alone; the server keeps answering.
    const [good, alsoBad] = await Promise.allSettled([
      client.greet.query({ name: 'still here', at: new Date() }),
      client.greet.query({ name: 42 } as unknown as { name: string; at: Date }),
    ]);
    expect(good.status === 'fulfilled' && good.value.text).toBe('Hello, still here');
    expect(alsoBad.status === 'rejected' && (alsoBad.reason as Error).message).toBe(
      'name: expected text, got 42; at: Required',
    );
  });

  it('says no agent is running when nothing listens on the socket', async () => {
    const socketPath = await socketPathIn();
    const client = createSocketClient<TestRouter>(socketPath);

    const error = await client.greet.query({ name: 'x', at: new Date() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TRPCClientError);
    expect(isAgentNotRunningError(error)).toBe(true);
    expect(findAgentNotRunningError(error)).toMatchObject({ socketPath, code: 'ENOENT' });
    expect(isAgentNotRunningError(new TRPCClientError('something else'))).toBe(false);
  });

  it('fails a subscription with AgentNotRunningError when no agent is running', async () => {
    const socketPath = await socketPathIn();
    const client = createSocketClient<TestRouter>(socketPath);

    const error = await new Promise<unknown>((resolve) => {
      client.events.subscribe(undefined, { onError: resolve });
    });

    expect(isAgentNotRunningError(error)).toBe(true);
    expect((error as Error).message).toContain(socketPath);
  });
});

describe('subscriptions over the socket', () => {
  it('delivers tracked events, with dates, in order', async () => {
    const socketPath = await socketPathIn();
    const { bus } = await serve(socketPath);
    const client = createSocketClient<TestRouter>(socketPath);
    const received = collector<{ id: string; data: TestEvent }>();
    bus.emit('uploaded', { name: 'a.pdf', at: new Date(1_000) });

    const subscription = client.events.subscribe(undefined, {
      onData: (event) => received.push(event as { id: string; data: TestEvent }),
    });
    bus.emit('uploaded', { name: 'b.pdf', at: new Date(2_000) });
    await received.until(2);
    subscription.unsubscribe();

    expect(received.items.map((event) => event.id)).toEqual(['1', '2']);
    expect(received.items[1]!.data.data).toEqual({ name: 'b.pdf', at: new Date(2_000) });
    expect(received.items[1]!.data.at).toBeInstanceOf(Date);
  });

  it('ends the server side of a subscription when the client unsubscribes', async () => {
    const socketPath = await socketPathIn();
    let ended!: () => void;
    const serverSideEnded = new Promise<void>((resolve) => (ended = resolve));
    const { bus } = await serve(socketPath, new EventBus<TestEvents>(), () => ended());
    const client = createSocketClient<TestRouter>(socketPath);
    const received = collector<string>();
    const subscription = client.events.subscribe(undefined, {
      onData: (event) => received.push(event.id),
    });
    bus.emit('uploaded', { name: 'a', at: new Date() });
    await received.until(1);

    subscription.unsubscribe();

    // Resolves only if closing the client's stream reaches the server and stops the generator.
    await serverSideEnded;
  });

  it('resumes from the last event id after the server restarts, missing and repeating nothing', async () => {
    const socketPath = await socketPathIn();
    const bus = new EventBus<TestEvents>();
    const first = await serve(socketPath, bus);
    const client = createSocketClient<TestRouter>(socketPath, { reconnectDelayMs: 10 });
    const received = collector<string>();
    let starts = 0;
    const subscription = client.events.subscribe(undefined, {
      onStarted: () => starts++,
      onData: (event) => received.push(event.id),
    });

    for (const name of ['1', '2', '3']) bus.emit('uploaded', { name, at: new Date() });
    await received.until(3);

    await first.server.close();
    // Emitted while no server listens: the client must get these after it reconnects.
    for (const name of ['4', '5']) bus.emit('uploaded', { name, at: new Date() });
    await serve(socketPath, bus);
    bus.emit('uploaded', { name: '6', at: new Date() });
    await received.until(6);
    subscription.unsubscribe();

    expect(received.items).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(starts).toBe(2);
  });
});

describe('in-process client', () => {
  it('offers the same typed calls without a socket', async () => {
    const bus = new EventBus<TestEvents>();
    const client: TRPCClient<TestRouter> = createInProcessClient(createTestRouter(bus));

    const greeting = await client.greet.query({ name: 'Ada', at: new Date(0) });
    expect(greeting.dayAfter).toEqual(new Date(86_400_000));

    const error = await client.addJob.mutate({ retries: 1 } as never).catch((e: unknown) => e);
    expect((error as Error).message).toBe('folder: Required');

    const received = collector<string>();
    bus.emit('uploaded', { name: 'a', at: new Date() });
    const subscription = client.events.subscribe(undefined, {
      onData: (event) => received.push(event.id),
    });
    bus.emit('uploaded', { name: 'b', at: new Date() });
    await received.until(2);
    subscription.unsubscribe();
    expect(received.items).toEqual(['1', '2']);
  });
});
