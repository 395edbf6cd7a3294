// The API over message ports with the agent in a worker thread, as the desktop app runs it (there
// a utilityProcess), against the same agent over its socket as the baseline. A child process of
// the API bench: @parcel/watcher's native addon loads in one thread per process, and the bench's
// own agent has it already. Prints one JSON object.
// `node bench/api-port-child.ts <calls> <events>`, with DRIVEUP_HOME set.
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { Worker } from 'node:worker_threads';
import { resolvePaths } from '../src/core/config/paths.ts';
import type { AppRouter } from '../src/ipc/server/app-router.ts';
import { portLink } from '../src/ipc/common/port-link.ts';
import { connectWorkerAgent, stopWorkerAgent } from '../src/ipc/server/agent-process.ts';
import { createSocketClient } from '../src/ipc/node/socket-client.ts';
import { findAgentNotRunningError } from '../src/ipc/node/socket-errors.ts';
import { transformer } from '../src/ipc/server/trpc.ts';
import type { AgentWorkerData, EMIT_EVENTS_MESSAGE } from '../test/support/agent-worker.ts';

const EMIT: typeof EMIT_EVENTS_MESSAGE = 'test.emit-events';
const [calls, events] = process.argv.slice(2).map(Number) as [number, number];
const env = { DRIVEUP_HOME: process.env.DRIVEUP_HOME!, DRIVEUP_MONGODB_URI: '' };
const workerData: AgentWorkerData = { env, socket: true, emitOnRequest: true };
const worker = new Worker(new URL('../test/support/agent-worker.ts', import.meta.url), {
  workerData,
});
const exited = new Promise((resolve) => worker.once('exit', resolve));

const overPort = createTRPCClient<AppRouter>({
  links: [portLink<AppRouter>({ connect: () => connectWorkerAgent(worker), transformer })],
});
const overSocket = createSocketClient<AppRouter>(resolvePaths({ env }).socketPath);
// The first call waits for the agent to open; neither transport is timed on it. The port may
// answer before the socket listens (transports start one after the other): the socket is asked
// until it answers.
await overPort.agent.status.query();
for (let tries = 0; ; tries++) {
  try {
    await overSocket.agent.status.query();
    break;
  } catch (error) {
    if (tries >= 100 || !findAgentNotRunningError(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const port = await timeEach(calls, () => overPort.agent.status.query());
const socket = await timeEach(calls, () => overSocket.agent.status.query());
const portEvents = await eventsPerSecond(overPort, events);
const socketEvents = await eventsPerSecond(overSocket, events);
console.log(
  JSON.stringify({
    portRoundtripMs: median(port),
    socketRoundtripMs: median(socket),
    portEventsPerS: portEvents,
    socketEventsPerS: socketEvents,
  }),
);
stopWorkerAgent(worker);
await exited;

/** Events the agent emits in one burst, received by one subscriber, per second. */
async function eventsPerSecond(client: TRPCClient<AppRouter>, count: number): Promise<number> {
  let received = 0;
  let started = 0;
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  let finished!: (ms: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const sub = client.events.subscribe(
    {},
    {
      onStarted: () => connected(),
      onData: () => {
        received += 1;
        if (received === count) finished(performance.now() - started);
      },
    },
  );
  await ready;
  started = performance.now();
  worker.postMessage({ type: EMIT, count });
  const ms = await done;
  sub.unsubscribe();
  return count / (ms / 1000);
}

async function timeEach(rounds: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
