// The API's latency and event throughput, with a bare `node` start measured in the same run as
// the baseline for the CLI's own start-up.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { resolvePaths } from '../src/core/config/paths.ts';
import { socketTransport } from '../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../src/ipc/server/serve-agent.ts';
import { createAppRouter, type AppRouter } from '../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../src/ipc/server/in-process-client.ts';
import { createSocketClient } from '../src/ipc/node/socket-client.ts';
import type { BenchResult, BenchRunner } from './bench-result.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What users run: the bundle (built first, in this run). */
const CLI = join(ROOT, 'dist/cli/driveup.js');

export const runApiBench: BenchRunner = async ({ quick, log }) => {
  const home = await mkdtemp(join(tmpdir(), 'du-bench-'));
  const env = { ...process.env, DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
  const paths = resolvePaths({ env });
  log('building the CLI bundle');
  await run(process.execPath, [join(ROOT, 'scripts/build.ts')], { cwd: ROOT });
  const hosted = await serveAgent({ paths, env }, [socketTransport(paths.socketPath)]);
  try {
    const rounds = quick ? 5 : 20;
    log(`CLI round trips (${rounds * 2}, each beside a bare start)`);
    // As the installed `driveup` runs: the bundle, with its shebang's flags. Taken in turns with
    // the bare start, so that a busier moment of the machine weighs on both alike.
    const [cli, bare] = await timeInTurns(rounds * 2, [
      () => run(process.execPath, [...NODE_FLAGS, CLI, 'status', '--json'], { env }),
      () => run(process.execPath, ['-e', '0']),
    ]);
    const client = createSocketClient<AppRouter>(paths.socketPath);
    const socketCalls = await timeEach(rounds * 10, () => client.agent.status.query());
    const inProcess = createInProcessClient(
      createAppRouter(hosted.agent, { requestShutdown: () => {} }),
    );
    const inProcessCalls = await timeEach(rounds * 10, () => inProcess.agent.status.query());
    const events = await eventsPerSecond(hosted.agent.bus, client, quick ? 2_000 : 20_000);
    log('message ports, agent in a worker thread, beside its own socket');
    const port = await portFigures(join(home, 'port'), rounds * 10, quick ? 2_000 : 20_000);
    return [
      {
        metric: 'api_status_roundtrip_p50_ms',
        value: round(median(cli)),
        unit: 'ms',
        path: 'cli-process',
        bare_node_start_p50_ms: round(median(bare)),
      },
      {
        metric: 'cli_status_ratio',
        value: round(median(cli) / median(bare)),
        unit: 'ratio',
        goal: '≤ 1.5',
        note: '`driveup status --json` from the bundle, to its exit ÷ `node -e 0`, medians',
        cli_p50_ms: round(median(cli)),
        bare_node_p50_ms: round(median(bare)),
        rounds: rounds * 2,
      },
      {
        metric: 'api_status_roundtrip_p50_ms',
        value: round(median(socketCalls)),
        unit: 'ms',
        path: 'socket-client',
      },
      {
        metric: 'api_status_roundtrip_p50_ms',
        value: round(median(inProcessCalls)),
        unit: 'ms',
        path: 'in-process-client',
      },
      { metric: 'api_events_per_s', value: Math.round(events), unit: 'events/s' },
      {
        metric: 'api_port_roundtrip_p50_ms',
        value: round(port.portRoundtripMs),
        unit: 'ms',
        path: 'port-client, agent in a worker thread',
        socket_roundtrip_p50_ms: round(port.socketRoundtripMs),
        port_over_socket: round(port.portRoundtripMs / port.socketRoundtripMs),
      },
      {
        metric: 'api_port_events_per_s',
        value: Math.round(port.portEventsPerS),
        unit: 'events/s',
        socket_events_per_s: Math.round(port.socketEventsPerS),
        port_over_socket: round(port.portEventsPerS / port.socketEventsPerS),
      },
    ] satisfies BenchResult[];
  } finally {
    await hosted.stop();
    await rm(home, { recursive: true, force: true });
  }
};

/**
 * The port figures come from a child process (bench/api-port-child.ts), whose agent runs in a
 * worker thread and also serves its socket: that socket, measured in the same child, is the
 * baseline each port figure is set against.
 */
async function portFigures(home: string, calls: number, events: number) {
  const { stdout } = await run(
    process.execPath,
    [...NODE_FLAGS, join(ROOT, 'bench/api-port-child.ts'), String(calls), String(events)],
    { env: { ...process.env, DRIVEUP_HOME: home } },
  );
  return JSON.parse(stdout) as {
    portRoundtripMs: number;
    socketRoundtripMs: number;
    portEventsPerS: number;
    socketEventsPerS: number;
  };
}

async function eventsPerSecond(
  bus: Awaited<ReturnType<typeof serveAgent>>['agent']['bus'],
  client: ReturnType<typeof createSocketClient<AppRouter>>,
  count: number,
): Promise<number> {
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
  for (let i = 0; i < count; i++) bus.emit('queue.resumed', {});
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

/** Times each of `fns` once per round, in turn; one list of times for each. */
async function timeInTurns(
  rounds: number,
  fns: readonly [() => Promise<unknown>, () => Promise<unknown>],
): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < rounds; i++)
    for (const [j, fn] of fns.entries()) times[j]!.push((await timeEach(1, fn))[0]!);
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
