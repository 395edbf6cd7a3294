import { createTRPCClient, TRPCClientError } from '@trpc/client';
import { tracked } from '@trpc/server';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventBus } from '../../src/core/events/event-bus.ts';
import { isAgentGoneError } from '../../src/ipc/common/agent-gone-error.ts';
import { portLink } from '../../src/ipc/common/port-link.ts';
import type { TrpcPort } from '../../src/ipc/common/trpc-port.ts';
import { bridgePortToSocket, type SocketBridge } from '../../src/ipc/node/socket-bridge.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { fromNodeMessagePort } from '../../src/ipc/server/node-message-port.ts';
import { startSocketServer, type SocketServer } from '../../src/ipc/server/socket-server.ts';
import { publicProcedure, router, transformer } from '../../src/ipc/server/trpc.ts';
import { useTempDir } from '../support/temp-dir.ts';

/**
 * A window's port served from a headless agent's socket (main bridges, holding no router): a
 * real Unix socket server, real worker_threads channels, the window's real port link.
 */

type TestEvents = { uploaded: { name: string; at: Date } };

function createTestRouter(bus: EventBus<TestEvents>, aborts: AbortSignal[]) {
  return router({
    greet: publicProcedure
      .input(z.object({ name: z.string(), at: z.date() }))
      .query(({ input }) => ({
        text: `Hello, ${input.name}`,
        dayAfter: new Date(input.at.getTime() + 86_400_000),
      })),
    addJob: publicProcedure
      .input(z.object({ folder: z.string().min(1), retries: z.number().int().min(0) }))
      .mutation(({ input }) => ({ id: `job-${input.folder}` })),
    hang: publicProcedure.query(({ signal }) => {
      aborts.push(signal!);
      return new Promise<string>((resolve) =>
        signal!.addEventListener('abort', () => resolve('aborted')),
      );
    }),
    events: publicProcedure
      .input(z.object({ lastEventId: z.string().nullish() }).optional())
      .subscription(async function* ({ input, signal }) {
        aborts.push(signal!);
        const afterId = Number(input?.lastEventId ?? 0);
        for await (const event of bus.stream({ afterId, signal })) {
          yield tracked(String(event.id), event);
        }
      }),
  });
}
type TestRouter = ReturnType<typeof createTestRouter>;

const tempDir = useTempDir();
const sockets: SocketServer[] = [];
const bridges: SocketBridge[] = [];
afterEach(async () => {
  for (const bridge of bridges.splice(0)) bridge.close();
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

async function headlessAgent() {
  const bus = new EventBus<TestEvents>();
  const aborts: AbortSignal[] = [];
  const socketPath = join(await tempDir(), 'agent.sock');
  const server = await startSocketServer({ socketPath, router: createTestRouter(bus, aborts) });
  sockets.push(server);
  /** Each call opens a new channel whose far end main bridges to the socket. */
  const connect = (): TrpcPort => {
    const { port1, port2 } = new MessageChannel();
    bridges.push(bridgePortToSocket(fromNodeMessagePort(port2), socketPath));
    return fromNodeMessagePort(port1);
  };
  const window = createTRPCClient<TestRouter>({
    links: [portLink<TestRouter>({ connect, transformer })],
  });
  return { bus, aborts, socketPath, server, connect, window };
}

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<TestRouter>> {
  try {
    await promise;
  } catch (error) {
    return error as TRPCClientError<TestRouter>;
  }
  throw new Error('expected the call to fail');
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setImmediate(check));
    check();
  });
}

describe('a window served from a headless agent through main', () => {
  it('gets answers with their dates, and the agent’s own error shapes', async () => {
    const { window, socketPath } = await headlessAgent();
    const overSocket = createSocketClient<TestRouter>(socketPath);

    const greeting = await window.greet.query({ name: 'Ada', at: new Date('2025-01-31T10:00Z') });
    expect(greeting.dayAfter).toEqual(new Date('2025-02-01T10:00Z'));
    expect(await window.addJob.mutate({ folder: 'Lab', retries: 1 })).toEqual({ id: 'job-Lab' });

    const bad = { folder: '', retries: -1 };
    const viaBridge = await errorOf(window.addJob.mutate(bad));
    const viaSocket = await errorOf(overSocket.addJob.mutate(bad));
    expect(viaBridge).toBeInstanceOf(TRPCClientError);
    expect(viaBridge.message).toBe(viaSocket.message);
    expect(viaBridge.shape).toEqual(viaSocket.shape);
    expect(viaBridge.data?.code).toBe('BAD_REQUEST');
  });

  it('relays events with their ids, and resumes from the last one on a new port', async () => {
    const { window, bus } = await headlessAgent();
    const seen: Array<{ id: string; name: string }> = [];
    const states: string[] = [];
    const subscription = window.events.subscribe(
      {},
      {
        onData: ({ id, data }) =>
          seen.push({ id, name: 'name' in data.data ? data.data.name : data.type }),
        onConnectionStateChange: (state) => states.push(state.state),
      },
    );
    await until(() => states.includes('pending'));
    bus.emit('uploaded', { name: 'a.txt', at: new Date() });
    await until(() => seen.length === 1);
    expect(seen[0]!.id).toMatch(/^\d+$/);

    // Main's end of the channel goes (the window reloaded its port): the link takes a new one.
    bridges[0]!.close();
    await until(() => states.filter((s) => s === 'pending').length === 2);
    bus.emit('uploaded', { name: 'b.txt', at: new Date() });
    await until(() => seen.length === 2);

    expect(seen.map((event) => event.name)).toEqual(['a.txt', 'b.txt']);
    subscription.unsubscribe();
  });

  it('ends every call at the agent when the window’s port closes', async () => {
    const { window, aborts } = await headlessAgent();
    const pending = window.hang.query().catch((error: unknown) => error);
    const subscription = window.events.subscribe({}, { onData: () => {} });
    await until(() => aborts.length === 2);

    bridges[0]!.close();

    await until(() => aborts.every((signal) => signal.aborted));
    expect(isAgentGoneError(await pending)).toBe(true);
    subscription.unsubscribe();
  });

  it('keeps relaying to a window that takes its events, past the window of unacknowledged ones', async () => {
    const { window, bus } = await headlessAgent();
    let seen = 0;
    let started = false;
    const subscription = window.events.subscribe(
      {},
      { onStarted: () => (started = true), onData: () => (seen += 1) },
    );
    await until(() => started);

    for (let sent = 0; sent < 6_000; sent += 100) {
      for (let i = 0; i < 100; i++) bus.emit('uploaded', { name: `${sent + i}`, at: new Date() });
      await until(() => seen === sent + 100);
    }

    expect(bridges).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('takes back the port of a window that stops taking events, instead of holding them all', async () => {
    const { bus, socketPath } = await headlessAgent();
    const { port1, port2 } = new MessageChannel();
    bridges.push(bridgePortToSocket(fromNodeMessagePort(port2), socketPath));
    // A page that hangs: its port receives, but it never says what it has taken.
    const hung = fromNodeMessagePort(port1);
    let events = 0;
    let started = false;
    let closed = false;
    hung.onMessage((message) => {
      for (const answer of [message].flat() as Array<{ result?: { type?: string } }>) {
        if (answer.result?.type === 'started') started = true;
        if (answer.result?.type === 'data') events += 1;
      }
    });
    hung.onClose(() => (closed = true));
    hung.start();
    hung.postMessage({
      id: 1,
      method: 'subscription',
      params: { path: 'events', input: transformer.serialize({}) },
    });
    await until(() => started);

    for (let sent = 0; !closed && sent < 20_000; sent += 100) {
      for (let i = 0; i < 100; i++) bus.emit('uploaded', { name: `${sent + i}`, at: new Date() });
      await new Promise((resolve) => setImmediate(resolve));
    }

    await until(() => closed);
    expect(events).toBeGreaterThan(4000);
    expect(events).toBeLessThan(5000);
  });

  it('closes the window’s port when the agent is gone, as its own agent process would', async () => {
    const { window, server } = await headlessAgent();
    expect((await window.greet.query({ name: 'x', at: new Date() })).text).toBe('Hello, x');
    await server.close();
    sockets.splice(0);

    const error = await errorOf(window.greet.query({ name: 'y', at: new Date() }));

    expect(isAgentGoneError(error)).toBe(true);
    await bridges[0]!.closed;
  });

  it('closes the port of a window that only listens, when the agent stops', async () => {
    const { window, server, bus } = await headlessAgent();
    let received = 0;
    const listening = Promise.withResolvers<void>();
    window.events.subscribe(undefined, {
      onStarted: () => listening.resolve(),
      onData: () => (received += 1),
    });
    await listening.promise;
    bus.emit('uploaded', { name: 'a.txt', at: new Date() });
    await until(() => received === 1);

    await server.close();
    sockets.splice(0);

    await bridges[0]!.closed;
  });
});
