import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { probeSocket } from '../../src/ipc/node/agent-probe.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { useAgentProcesses, type AgentProcess } from '../support/agent-process.ts';
import { signInWithCli, startDriveup, waitForLine } from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const { launch: startAgent } = useAgentProcesses();
let fake: FakeGoogle;

beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await fake.close();
});

interface Stuck {
  env: NodeJS.ProcessEnv;
  agent: AgentProcess;
  stuck: { id: string };
  next: string;
}

/**
 * A signed-in agent with one upload slot, whose upload hangs where no abort used to reach: Google
 * refuses the access token, and the token endpoint, asked for a new one, never answers.
 */
async function agentWithAHungUpload(): Promise<Stuck> {
  const home = await tempDir();
  await writeFile(join(home, 'settings.json'), JSON.stringify({ uploads: { concurrency: 1 } }));
  const env = fakeGoogleEnv(fake.url, home);
  const agent = await startAgent(env);
  await signInWithCli(env);
  const files = join(home, 'files');
  const names = ['warm-up.txt', 'hung.txt', 'next.txt'];
  await mkdir(files);
  for (const name of names) await writeFile(join(files, name), `${name}\n`);
  // One upload first, so that the folder is known and the next one goes straight to sending.
  const warm = await agent.next('job.done');
  await agent.client.queue.add.mutate({ paths: [join(files, names[0]!)], folder: 'Hang' });
  await warm();
  fake.expireAccessTokens();
  fake.addFault({ method: 'POST', path: '/token', hang: true, times: Infinity });
  const started = await agent.next('job.started');
  const {
    jobs: [stuck],
  } = await agent.client.queue.add.mutate({ paths: [join(files, names[1]!)], folder: 'Hang' });
  await started();
  await expect.poll(() => fake.requestCount('POST /token')).toBe(1);
  return { env, agent, stuck: stuck!, next: join(files, names[2]!) };
}

interface LogLine {
  pid: number;
  time: number;
  msg: string;
}

async function logLines(env: NodeJS.ProcessEnv): Promise<LogLine[]> {
  const dir = resolvePaths({ env }).stateDir;
  const files = (await readdir(dir)).filter((name) => /^driveup\.\d+\.log$/.test(name));
  const texts = await Promise.all(files.map((name) => readFile(join(dir, name), 'utf8')));
  return texts
    .flatMap((text) => text.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as LogLine)
    .sort((a, b) => a.time - b.time);
}

describe('an agent whose upload hangs', { timeout: 90_000 }, () => {
  it('frees the slot when that upload is cancelled: the next job starts', async () => {
    const { agent, stuck, next } = await agentWithAHungUpload();
    const nextStarted = await agent.next('job.started');

    const answer = await agent.client.queue.cancel.mutate({ id: stuck.id });
    const {
      jobs: [queued],
    } = await agent.client.queue.add.mutate({ paths: [next], folder: 'Hang' });

    expect((await nextStarted()).job.id).toBe(queued!.id);
    expect(answer).toMatchObject({ cancelled: true, job: { id: stuck.id, state: 'cancelled' } });
  });

  it('stops on SIGTERM, cleanly, and the upload resumes at the next start', async () => {
    const { env, agent, stuck } = await agentWithAHungUpload();

    agent.child.kill('SIGTERM');

    expect(await agent.exited).toBe(0);
    fake.clearFaults();
    const again = await startAgent(env);
    const done = await again.next('job.done', (d) => d.job.id === stuck.id);
    const status = await again.client.agent.status.query();
    if (status.queue.counts.done < 2) await done();
    expect(await again.client.queue.get.query({ id: stuck.id })).toMatchObject({ state: 'done' });
  });

  it('keeps its database to itself until closed: a second agent started meanwhile waits its turn', async () => {
    const { env, agent } = await agentWithAHungUpload();

    agent.child.kill('SIGTERM');
    // The first agent's refresh stays hung; the second's start must not hang on its own.
    fake.clearFaults();
    const second = startDriveup(['agent', '--json'], env);
    agents.push(second);
    // Refused while the first still holds the database (exit 1), or running once it let go.
    const secondRuns = await Promise.race([
      waitForLine(second, /"pid"/).then(() => true),
      once(second, 'exit').then(([code]) => {
        expect(code).toBe(1);
        return false;
      }),
    ]);
    expect(await agent.exited).toBe(0);
    const running = secondRuns ? second : (await startAgent(env)).child;

    const lines = await logLines(env);
    const first = agent.child.pid!;
    const closed = lines.find((l) => l.pid === first && l.msg === 'database closed');
    const opened = lines.filter((l) => l.msg === 'database opened' && l.pid !== first);
    expect(closed).toBeDefined();
    expect(opened.map((l) => l.pid)).toEqual([running.pid]);
    expect(opened[0]!.time).toBeGreaterThanOrEqual(closed!.time);
  });
});

describe('the host’s stop deadline', () => {
  it('closes the database and the socket by force, and says so, when a stop never finishes', async () => {
    const env = fakeGoogleEnv(fake.url, await tempDir());
    const paths = resolvePaths({ env });
    const hosted = await serveAgent(
      { paths, env, openBrowser: async () => {} },
      [socketTransport(paths.socketPath)],
      { stopDeadlineMs: 300 },
    );
    // Whatever part hangs (a MongoDB that never answers, a stuck watcher): the stop never ends.
    hosted.agent.stop = () => new Promise(() => {});

    expect(await hosted.stop()).toEqual({ clean: false });

    expect(await probeSocket(paths.socketPath)).toMatchObject({ kind: 'nothing' });
    const lines = await logLines(env);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'the agent did not stop in time: closing its database and log by force, then exiting',
        'database closed',
      ]),
    );
    // The database is free for the next agent.
    const next = await serveAgent({ paths, env, openBrowser: async () => {} }, [
      socketTransport(paths.socketPath),
    ]);
    expect((await next.stop()).clean).toBe(true);
  });
});

const agents: ChildProcess[] = [];
afterEach(async () => {
  for (const child of agents.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});
