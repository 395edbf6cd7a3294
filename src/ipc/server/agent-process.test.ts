import { createTRPCClient } from '@trpc/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { portLink } from '../common/port-link.ts';
import type { TrpcPort } from '../common/trpc-port.ts';
import { resolvePaths } from '../../core/config/paths.ts';
import { publicProcedure, router, transformer } from './trpc.ts';
import { runAgentProcess, workerThreadParent, type AgentProcessHost } from './agent-process.ts';
import { fromNodeMessagePort } from './node-message-port.ts';
import type { FromAgentProcess, SecretRequest } from '../common/agent-process-protocol.ts';
import { parentSecretCipher } from './parent-secret-cipher.ts';

const testRouter = router({ ping: publicProcedure.query(() => 'pong' as const) });
type TestRouter = typeof testRouter;

/**
 * The host's side of `worker_threads.parentPort`: a real channel whose far end the agent process
 * listens on, as it would in a worker thread.
 */
function fakeParent() {
  const { port1: host, port2: parentPort } = new MessageChannel();
  const heard: FromAgentProcess[] = [];
  const waiters: Array<() => void> = [];
  host.on('message', (message: FromAgentProcess) => {
    heard.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    parent: workerThreadParent(parentPort),
    /** What the agent process told its host, in order. */
    heard,
    /** Resolves once the agent process has said `type`. */
    async said(type: FromAgentProcess['type']): Promise<FromAgentProcess> {
      for (;;) {
        const found = heard.find((message) => message.type === type);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    /** Hands the agent a new port, as `connectWorkerAgent` does; returns this side's end. */
    sendPort(): TrpcPort {
      const { port1, port2 } = new MessageChannel();
      host.postMessage({ type: 'connect', client: 'test', port: port2 }, [port2]);
      return fromNodeMessagePort(port1);
    },
    askToStop: () => host.postMessage({ type: 'stop' }),
    close: () => host.close(),
  };
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function clientOn(port: TrpcPort) {
  return createTRPCClient<TestRouter>({ links: [portLink({ connect: () => port, transformer })] });
}

function closedPromise(port: TrpcPort): Promise<void> {
  return new Promise((resolve) => port.onClose(resolve));
}

/** A host whose agent opens only when the test says so, recording when it is stopped. */
function slowHost() {
  let open!: (host: AgentProcessHost<TestRouter>) => void;
  let stops = 0;
  let shutdown!: () => void;
  return {
    opened: (requestShutdown: () => void) => {
      shutdown = requestShutdown;
      return new Promise<AgentProcessHost<TestRouter>>((resolve) => (open = resolve));
    },
    finishOpening: () =>
      open({
        router: testRouter,
        stop: async () => {
          stops += 1;
        },
      }),
    get stops() {
      return stops;
    },
    requestShutdown: () => shutdown(),
  };
}

describe('the agent process entry', () => {
  it('serves ports handed over before the agent has opened, once it has', async () => {
    const host = fakeParent();
    closers.push(host.close);
    const agent = slowHost();
    const running = runAgentProcess({ parent: host.parent, open: agent.opened });
    const early = clientOn(host.sendPort());
    const answer = early.ping.query();

    agent.finishOpening();

    expect(await answer).toBe('pong');
    expect(await clientOn(host.sendPort()).ping.query()).toBe('pong');
    await (await running).stop();
  });

  it("stops on the host's request: closes every port, then stops the agent", async () => {
    const host = fakeParent();
    closers.push(host.close);
    const agent = slowHost();
    const running = runAgentProcess({ parent: host.parent, open: agent.opened });
    agent.finishOpening();
    const port = host.sendPort();
    expect(await clientOn(port).ping.query()).toBe('pong');

    host.askToStop();

    await (
      await running
    ).stopped;
    await closedPromise(port);
    expect(agent.stops).toBe(1);
  });

  it('stops when the API asks for a shutdown, and only once however often it is asked', async () => {
    const host = fakeParent();
    closers.push(host.close);
    const agent = slowHost();
    const running = runAgentProcess({ parent: host.parent, open: agent.opened });
    agent.finishOpening();
    const agentProcess = await running;

    agent.requestShutdown();
    host.askToStop();
    await agentProcess.stop();

    await agentProcess.stopped;
    expect(agent.stops).toBe(1);
  });

  it('closes the ports it holds when the agent cannot open, and says why', async () => {
    const host = fakeParent();
    closers.push(host.close);
    let handed!: () => void;
    const portHanded = new Promise<void>((resolve) => (handed = resolve));
    const running = runAgentProcess({
      parent: {
        ...host.parent,
        listen: (handlers) =>
          host.parent.listen({
            stop: handlers.stop,
            port(port, client) {
              handlers.port(port, client);
              handed();
            },
          }),
      },
      open: async () => {
        await portHanded;
        throw new Error('The database was written by a newer DriveUp.');
      },
    });
    const port = host.sendPort();
    const closed = closedPromise(port);

    await expect(running).rejects.toThrow('newer DriveUp');
    await closed;
    expect(await host.said('failed')).toEqual({
      type: 'failed',
      message: 'The database was written by a newer DriveUp.',
    });
    expect(host.heard.some((message) => message.type === 'ready')).toBe(false);
  });

  it('tells its host it is ready once it serves, not before', async () => {
    const host = fakeParent();
    closers.push(host.close);
    const agent = slowHost();
    const running = runAgentProcess({ parent: host.parent, open: agent.opened });
    const answer = clientOn(host.sendPort()).ping.query();
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.heard).toEqual([]);

    agent.finishOpening();

    expect(await answer).toBe('pong');
    expect(await host.said('ready')).toEqual({ type: 'ready' });
    await (await running).stop();
  });
});

describe('the agent process with DriveUp’s agent', () => {
  it('stops cleanly when asked to while the agent is still starting (the app quitting at once)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'du-'));
    closers.push(() => void rm(home, { recursive: true, force: true }));
    const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
    const host = fakeParent();
    closers.push(host.close);
    const running = runAgentProcess({
      parent: host.parent,
      agent: { paths: resolvePaths({ env }), env, openBrowser: async () => {} },
    });

    // Delivered while the agent opens its database (a port message takes a turn; opening, many).
    host.askToStop();

    const agentProcess = await running;
    await agentProcess.stopped;
    expect(host.heard.map((message) => message.type)).toEqual(['ready']);
  });
});

describe('the secret cipher over the parent port', () => {
  it('seals and opens through the host, which sees only the name and the value', async () => {
    const { port1: host, port2: parentPort } = new MessageChannel();
    closers.push(() => host.close());
    const asked: SecretRequest[] = [];
    // The host's side, as main answers with safeStorage: here a reversible stand-in.
    host.on('message', (request: SecretRequest) => {
      asked.push(request);
      const data =
        request.op === 'seal'
          ? Buffer.from(`${request.context}:${request.data}`).toString('base64')
          : request.op === 'open'
            ? Buffer.from(request.data, 'base64')
                .toString()
                .slice(request.context.length + 1)
            : 'none';
      host.postMessage({ type: 'secret-reply', id: request.id, ok: true, data });
    });
    const cipher = parentSecretCipher(workerThreadParent(parentPort));

    const sealed = await cipher.seal('refresh-123', 'google-tokens');

    expect(sealed).not.toContain('refresh-123');
    expect(await cipher.open(sealed, 'google-tokens')).toBe('refresh-123');
    expect(await cipher.protection()).toBe('none');
    expect(asked.map((request) => [request.op, request.context])).toEqual([
      ['seal', 'google-tokens'],
      ['open', 'google-tokens'],
      ['protection', ''],
    ]);
  });

  it("fails a request with the host's reason", async () => {
    const { port1: host, port2: parentPort } = new MessageChannel();
    closers.push(() => host.close());
    host.on('message', (request: SecretRequest) =>
      host.postMessage({ type: 'secret-reply', id: request.id, ok: false, message: 'no keyring' }),
    );
    const cipher = parentSecretCipher(workerThreadParent(parentPort));

    await expect(cipher.seal('x', 'google-tokens')).rejects.toThrow('no keyring');
  });
});
