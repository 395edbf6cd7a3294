import { createTRPCClient, TRPCClientError, type TRPCClient } from '@trpc/client';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { isAgentGoneError } from '../../src/ipc/common/agent-gone-error.ts';
import { portLink } from '../../src/ipc/common/port-link.ts';
import type { TrpcPort } from '../../src/ipc/common/trpc-port.ts';
import { connectWorkerAgent } from '../../src/ipc/server/agent-process.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { transformer } from '../../src/ipc/server/trpc.ts';
import type { AgentWorkerData } from '../support/agent-worker.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';

/**
 * The agent as the desktop app will run it: in its own thread (standing in for Electron's
 * utilityProcess), served over message ports by `runAgentProcess`, with the client in this
 * thread. The same agent also serves its socket, so both transports can be asked the same thing.
 */

const WORKER = new URL('../support/agent-worker.ts', import.meta.url);

let fake: FakeGoogle;
const homes: string[] = [];

beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(async () => {
  await fake.close();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

interface WorkerAgent {
  worker: Worker;
  home: string;
  env: Record<string, string>;
  exited: Promise<number>;
  /** Every port handed to the agent so far, this side's end. */
  ports: TrpcPort[];
  connect(): TrpcPort;
  client(connect?: () => TrpcPort | Promise<TrpcPort>): TRPCClient<AppRouter>;
}

async function startWorkerAgent(options: { socket?: boolean } = {}): Promise<WorkerAgent> {
  const home = await mkdtemp(join(tmpdir(), 'du-'));
  homes.push(home);
  const env = fakeGoogleEnv(fake.url, home);
  const workerData: AgentWorkerData = { env, socket: options.socket };
  const worker = new Worker(WORKER, { workerData });
  const exited = new Promise<number>((resolve, reject) => {
    worker.once('exit', resolve);
    worker.once('error', reject);
  });
  const ports: TrpcPort[] = [];
  const connect = () => {
    const port = connectWorkerAgent(worker);
    ports.push(port);
    return port;
  };
  return {
    worker,
    home,
    env,
    exited,
    ports,
    connect,
    client: (connectTo = connect) =>
      createTRPCClient<AppRouter>({
        links: [portLink<AppRouter>({ connect: connectTo, transformer })],
      }),
  };
}

type AgentEvent = { id: string; data: { type: string; data: unknown } };

/** The agent's events as one client sees them, with a way to wait for one. */
function watchEvents(client: TRPCClient<AppRouter>, onState?: (error: unknown) => void) {
  const seen: AgentEvent[] = [];
  const waiters: Array<{
    accept: (event: AgentEvent) => boolean;
    resolve: (e: AgentEvent) => void;
  }> = [];
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const subscription = client.events.subscribe(
    {},
    {
      onStarted: () => started(),
      onData: (event) => {
        const agentEvent = event as unknown as AgentEvent;
        seen.push(agentEvent);
        for (const waiter of [...waiters]) {
          if (!waiter.accept(agentEvent)) continue;
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(agentEvent);
        }
      },
      onConnectionStateChange: (state) => {
        if (state.state === 'connecting' && state.error) onState?.(state.error);
      },
    },
  );
  return {
    seen,
    ready,
    subscription,
    next(accept: (event: AgentEvent) => boolean): Promise<AgentEvent> {
      const found = seen.find(accept);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ accept, resolve }));
    },
  };
}

/**
 * One agent thread for the whole file, stopped by the last test: @parcel/watcher's native addon
 * loads in only one thread per process (a second load fails with "did not self-register"). The
 * desktop runs the agent in a process of its own, where that does not arise.
 */
describe('the agent in a worker thread, over message ports', () => {
  let agent: WorkerAgent;
  beforeAll(async () => {
    agent = await startWorkerAgent({ socket: true });
  });
  afterAll(async () => {
    await agent.worker.terminate();
  });

  it('signs in and uploads a file, with the events arriving over the port', async () => {
    const client = agent.client();
    const status = await client.agent.status.query();
    // The same process, another thread: the agent is not running in the test's own thread.
    expect(status.pid).toBe(process.pid);
    expect(status.startedAt).toBeInstanceOf(Date);
    const events = watchEvents(client);
    await events.ready;

    const attempt = await client.auth.beginSignIn.mutate({ openBrowser: false });
    if (attempt.kind !== 'started') throw new Error(`no sign-in started: ${attempt.kind}`);
    await followSignInUrl(attempt.url);
    await events.next((e) => e.data.type === 'auth.changed');
    const file = join(agent.home, 'over-the-port.txt');
    await writeFile(file, 'sent by an agent in a worker thread');
    const { jobs } = await client.queue.add.mutate({ paths: [file], folder: 'Port' });
    const done = await events.next(
      (e) =>
        e.data.type === 'job.done' &&
        (e.data.data as { job: { id: string } }).job.id === jobs[0]!.id,
    );
    events.subscription.unsubscribe();

    expect((done.data.data as { job: { state: string } }).job.state).toBe('done');
    expect(fake.files().filter((f) => f.name === 'over-the-port.txt')).toHaveLength(1);
    // Another client, on its own port, reaches the same agent.
    expect((await agent.client().agent.status.query()).bootId).toBe(status.bootId);
  });

  it('refuses bad calls with the same errors as the same agent over its socket', async () => {
    const overPort = agent.client();
    const overSocket = createSocketClient<AppRouter>(resolvePaths({ env: agent.env }).socketPath);
    const calls: Array<[string, (client: TRPCClient<AppRouter>) => Promise<unknown>]> = [
      ['unknown job', (c) => c.queue.get.query({ id: 'no-such-job' })],
      ['relative path', (c) => c.queue.add.mutate({ paths: ['relative/file.txt'] })],
      ['bad fields', (c) => c.queue.list.query({ limit: 0, states: ['lost'] } as never)],
      [
        'invalid setting',
        (c) => c.settings.update.mutate({ uploads: { concurrency: 99 } } as never),
      ],
      ['unknown rule', (c) => c.watch.remove.mutate({ id: 'no-such-rule' })],
    ];

    for (const [what, call] of calls) {
      const viaSocket = await errorOf(call(overSocket));
      const viaPort = await errorOf(call(overPort));
      expect(viaPort, what).toBeInstanceOf(TRPCClientError);
      expect(viaPort.message, what).toBe(viaSocket.message);
      expect(viaPort.data, what).toEqual(viaSocket.data);
    }
    const missing = await errorOf(overPort.queue.get.query({ id: 'no-such-job' }));
    expect(missing.data?.code).toBe('NOT_FOUND');
    const refused = await errorOf(overPort.queue.list.query({ limit: 0 }));
    expect(refused.data?.code).toBe('BAD_REQUEST');
    expect(refused.data?.inputIssues?.[0]?.field).toBe('limit');
  });

  it('resumes its event stream on a new port from the last event id, missing and repeating nothing', async () => {
    let releasePort!: () => void;
    const portWanted = new Promise<void>((resolve) => (releasePort = resolve));
    let connects = 0;
    let windowPort: TrpcPort | undefined;
    const gone: unknown[] = [];
    const client = agent.client(async () => {
      connects += 1;
      if (connects === 2) await portWanted;
      return (windowPort = agent.connect());
    });
    const events = watchEvents(client, (error) => gone.push(error));
    await events.ready;
    const other = agent.client();
    await other.queue.pause.mutate({ reason: 'one' });
    await events.next((e) => e.data.type === 'queue.paused');

    // The window's port goes (main took it back, say) while the agent keeps emitting.
    windowPort!.close();
    await other.queue.resume.mutate();
    await other.queue.pause.mutate({ reason: 'two' });
    releasePort();
    await other.queue.resume.mutate();
    // The activity summary's `activity.changed` may fall between them, whenever its throttle fires.
    const queueEvents = () => events.seen.filter((e) => e.data.type.startsWith('queue.'));
    await events.next((e) => e.data.type === 'queue.resumed' && queueEvents().length === 4);
    events.subscription.unsubscribe();

    expect(gone.some(isAgentGoneError)).toBe(true);
    expect(queueEvents().map((e) => e.data.type)).toEqual([
      'queue.paused',
      'queue.resumed',
      'queue.paused',
      'queue.resumed',
    ]);
    const sequence = events.seen.map((e) => Number(e.id.split(':')[1]));
    expect(sequence).toEqual(sequence.map((_, i) => sequence[0]! + i));
  });
  it('stops the agent on agent.shutdown over a port, ends the thread, and fails waiting calls', async () => {
    let connected = false;
    const client = agent.client(() => {
      if (connected) return Promise.reject(new Error('No agent to talk to.'));
      connected = true;
      return agent.connect();
    });
    const gone: unknown[] = [];
    const events = watchEvents(client, (error) => gone.push(error));
    await events.ready;

    expect(await client.agent.shutdown.mutate()).toEqual({ stopping: true });

    expect(await agent.exited).toBe(0);
    expect(gone.some(isAgentGoneError)).toBe(true);
    const late = await errorOf(client.agent.status.query());
    events.subscription.unsubscribe();
    expect(late.message).toBe('No agent to talk to.');
  });
});

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (caught: unknown) => caught,
  );
  return error as TRPCClientError<AppRouter>;
}
