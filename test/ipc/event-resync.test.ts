import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { portLink } from '../../src/ipc/common/port-link.ts';
import { messagePortTransport, socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { fromNodeMessagePort } from '../../src/ipc/server/node-message-port.ts';
import { SUBSCRIPTION_WINDOW } from '../../src/ipc/server/port-server.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { transformer } from '../../src/ipc/server/trpc.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { ManualClock } from '../support/queue/manual-clock.ts';

const REPLAY = 20;
const MAX_BUFFERED = 50;
const STALL_MS = 1000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real agent with small event buffers and a clock the test moves, on a socket and on ports. */
async function startAgent() {
  const fake: FakeGoogle = await startFakeGoogle();
  const home = await mkdtemp(join(tmpdir(), 'du-'));
  const env = fakeGoogleEnv(fake.url, home);
  const paths = resolvePaths({ env });
  const clock = new ManualClock();
  const ports = messagePortTransport();
  const hosted = await serveAgent(
    {
      paths,
      env,
      clock,
      openBrowser: async () => {},
      events: { replayLimit: REPLAY, maxBuffered: MAX_BUFFERED, stallMs: STALL_MS },
    },
    [socketTransport(paths.socketPath), ports],
  );
  cleanups.push(async () => {
    await hosted.stop();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });
  const { agent } = hosted;
  const newPort = () => {
    const { port1, port2 } = new MessageChannel();
    ports.serve(fromNodeMessagePort(port2));
    return port1;
  };
  const clients: Record<'socket' | 'port', () => TRPCClient<AppRouter>> = {
    socket: () => createSocketClient<AppRouter>(paths.socketPath),
    port: () =>
      createTRPCClient<AppRouter>({
        links: [
          portLink<AppRouter>({ connect: () => fromNodeMessagePort(newPort()), transformer }),
        ],
      }),
  };
  /** Something happened: an event a subscriber has no reason to miss. */
  const happen = (message = 'x') =>
    agent.bus.emit('watch.warning', { ruleId: 'r', code: 'skipped', message });
  return { agent, paths, clock, clients, newPort, happen };
}

type Seen = { id: string; type: string; data: unknown };

/** Subscribes from `lastEventId`; resolves `started` once the stream runs. */
function follow(client: TRPCClient<AppRouter>, lastEventId: string | null) {
  const seen: Seen[] = [];
  const waiters: Array<{ until: (seen: Seen[]) => boolean; resolve: () => void }> = [];
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const subscription = client.events.subscribe(
    { lastEventId },
    {
      onStarted: () => started(),
      onData: ({ id, data }) => {
        seen.push({ id, type: data.type, data: data.data });
        for (const waiter of waiters.filter((w) => w.until(seen))) waiter.resolve();
      },
    },
  );
  cleanups.push(async () => subscription.unsubscribe());
  return {
    seen,
    running,
    until: (until: (seen: Seen[]) => boolean) =>
      until(seen)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ until, resolve })),
  };
}

describe('events: a client never misses events silently', () => {
  for (const transport of ['socket', 'port'] as const) {
    it(`over the ${transport}: a last id older than what is kept gets resync, then live events`, async () => {
      const { agent, clients, happen } = await startAgent();
      happen('seen by the client');
      const lastSeen = `${agent.bootId}:${agent.bus.lastId}`;
      for (let i = 0; i < REPLAY + 10; i++) happen(`missed ${i}`);
      const newest = agent.bus.lastId;

      const events = follow(clients[transport](), lastSeen);
      await events.running;
      happen('live');
      await events.until((seen) => seen.some((e) => e.type === 'watch.warning'));

      expect(events.seen.slice(0, 2)).toEqual([
        { id: `${agent.bootId}:${newest}`, type: 'resync', data: { reason: 'gap' } },
        {
          id: `${agent.bootId}:${newest + 1}`,
          type: 'watch.warning',
          data: { ruleId: 'r', code: 'skipped', message: 'live' },
        },
      ]);
    });
  }

  it('a last id from before the agent restarted gets resync first', async () => {
    const { agent, clients, happen } = await startAgent();
    const events = follow(clients.socket(), 'an-earlier-run:42');
    await events.running;
    happen('live');
    await events.until((seen) => seen.length >= 2);

    expect(events.seen.map((e) => [e.type, e.data])).toEqual([
      ['resync', { reason: 'restarted' }],
      ['watch.warning', { ruleId: 'r', code: 'skipped', message: 'live' }],
    ]);
    expect(events.seen[1]!.id).toBe(`${agent.bootId}:${agent.bus.lastId}`);
  });

  it('over the socket: a subscriber that stops reading is dropped to resync, then caught up from now', async () => {
    const { paths, clock, happen } = await startAgent();
    const input = encodeURIComponent(JSON.stringify(transformer.serialize({})));
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({
        socketPath: paths.socketPath,
        path: `/events?input=${input}`,
        headers: { accept: 'text/event-stream' },
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
    cleanups.push(async () => void response.destroy());
    response.setEncoding('utf8');
    let text = '';
    response.on('data', (chunk: string) => (text += chunk));
    // The stream is open once tRPC says `connected`; then this client stops reading.
    await new Promise<void>((resolve) => {
      const check = () => text.includes('connected') && (response.off('data', check), resolve());
      response.on('data', check);
    });
    response.pause();

    // Large events fill the socket's buffers; then the agent stops taking events for this
    // subscriber, while time passes and more keep coming.
    const emitted = 600;
    const big = 'x'.repeat(8 * 1024);
    for (let i = 0; i < emitted; i++) {
      happen(`${i}:${big}`);
      clock.advance(STALL_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.resume();
    const parsed = () => sseEvents(text);
    await until(() => parsed().some((e) => e.type === 'resync'));
    happen('after catching up');
    await until(() => parsed().some((e) => e.message === 'after catching up'));

    const events = parsed();
    const resync = events.findIndex((e) => e.type === 'resync');
    expect(events[resync]).toMatchObject({ type: 'resync', reason: 'behind' });
    // Fewer than were emitted reached it: the rest were dropped, and it was told so.
    expect(events.filter((e) => e.type === 'watch.warning').length).toBeLessThan(emitted);
    const ids = events.map((e) => Number(e.id.split(':')[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ type: 'watch.warning', message: 'after catching up' });

    async function until(done: () => boolean): Promise<void> {
      while (!done()) await new Promise((resolve) => response.once('data', resolve));
    }
  });

  it('over a port: a client that stops acknowledging is dropped to resync, then caught up', async () => {
    const { clock, newPort, happen } = await startAgent();
    const port = newPort();
    const answers: Array<{ type: string; data?: { type: string; data: unknown } }> = [];
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    port.on('message', (message: unknown) => {
      for (const one of Array.isArray(message) ? message : [message]) {
        const result = (one as { result: { type: string; data?: unknown } }).result;
        // A tracked event: `{ id, data }`, serialized as a whole.
        const data =
          result.type === 'data'
            ? (
                transformer.deserialize(result.data as never) as {
                  data: { type: string; data: unknown };
                }
              ).data
            : undefined;
        answers.push({ type: result.type, ...(data ? { data } : {}) });
      }
      for (const waiter of waiters.filter((w) => answers.length >= w.n)) waiter.resolve();
    });
    const received = (n: number) =>
      answers.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ n, resolve }));
    cleanups.push(async () => port.close());
    port.postMessage({
      id: 1,
      method: 'subscription',
      params: { path: 'events', input: transformer.serialize({}) },
    });
    await received(1);

    // A burst in one turn is no stall: the first window of it arrives, none is dropped.
    for (let i = 0; i < SUBSCRIPTION_WINDOW + 500; i++) happen(`burst ${i}`);
    await received(1 + SUBSCRIPTION_WINDOW);
    // This client acknowledges nothing: the agent stops at the window, time passes, more comes.
    clock.advance(STALL_MS + 1);
    happen('while it is stuck');
    port.postMessage({ id: 1, method: 'subscription.ack', received: SUBSCRIPTION_WINDOW });
    await received(2 + SUBSCRIPTION_WINDOW);
    happen('after catching up');
    const data = () => answers.filter((a) => a.type === 'data').map((a) => a.data!);
    while (!data().some((e) => (e.data as { message?: string }).message === 'after catching up')) {
      await received(answers.length + 1);
    }

    const events = data();
    expect(events.slice(0, SUBSCRIPTION_WINDOW).every((e) => e.type === 'watch.warning')).toBe(
      true,
    );
    expect(events[SUBSCRIPTION_WINDOW]).toMatchObject({
      type: 'resync',
      data: { reason: 'behind' },
    });
    // What was held for it when it stalled is gone; it goes on from where the resync stands.
    const after = events.slice(SUBSCRIPTION_WINDOW + 1);
    expect(
      after.some((e) => String((e.data as { message?: string }).message).startsWith('burst')),
    ).toBe(false);
    expect(after.at(-1)).toMatchObject({ data: { message: 'after catching up' } });
  });
});

/** The events of a server-sent event stream as tRPC writes them (superjson in `data:`). */
function sseEvents(
  text: string,
): Array<{ id: string; type: string; reason?: string; message?: string }> {
  return text
    .split('\n\n')
    .filter((block) => block.includes('\nid:') || block.startsWith('id:'))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? '';
      const event = (
        JSON.parse(field('data')) as { json: { type: string; data: Record<string, string> } }
      ).json;
      return { id: field('id'), type: event.type, ...event.data };
    });
}
