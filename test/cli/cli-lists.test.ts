import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));
const UPLOADED = 600;
const WAITING = 2500;

/** `driveup …` with its stdout through a real pipe into `cat`, as a script would read it. */
async function throughCat(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('sh', ['-c', '"$0" "$@" | cat', process.execPath, CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout };
}

/** A reader that pauses a few milliseconds after every chunk it gets. */
async function readSlowly(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 3);
  });
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout: Buffer.concat(chunks).toString('utf8') };
}

describe('lists: every byte reaches a pipe, and no API limit cuts a list', () => {
  let agent: CliAgent;

  beforeAll(async () => {
    agent = await startCliAgent();
    const done = join(agent.home, 'done');
    // Long paths and names make each job's JSON about 2 KB: a page of 1,000 is megabytes.
    const waiting = join(agent.home, 'w'.repeat(200), 'v'.repeat(200), 'u'.repeat(200));
    await mkdir(done);
    await mkdir(waiting, { recursive: true });
    for (let i = 0; i < UPLOADED; i++) await writeFile(join(done, `report-${i}.txt`), `${i}\n`);
    const added = await runDriveup(['add', done, '--to', 'Lists', '--wait', '--json'], agent.env);
    expect(added.code, added.stderr).toBe(0);
    expect((await runDriveup(['pause'], agent.env)).code).toBe(0);
    const long = 'x'.repeat(200);
    for (let i = 0; i < WAITING; i++) await writeFile(join(waiting, `${long}-${i}.dat`), '');
    expect((await runDriveup(['add', waiting], agent.env)).code).toBe(0);
  }, 240_000);

  afterAll(() => agent?.close());

  it('pipes a multi-megabyte `queue --json` through `| cat` whole', async () => {
    const { code, stdout } = await throughCat(['queue', '--json', '--limit', '1000'], agent.env);
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(1_500_000);
    expect((JSON.parse(stdout) as { jobs: unknown[] }).jobs).toHaveLength(1000);
  });

  it('waits for a slow reader before it exits', async () => {
    const { code, stdout } = await readSlowly(['queue', '--json', '--limit', '1000'], agent.env);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { jobs: unknown[] }).jobs).toHaveLength(1000);
  });

  it('pipes `history --json` whole, past 64 KiB', async () => {
    const { code, stdout } = await throughCat(['history', '--json', '--limit', '200'], agent.env);
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(65_536);
    expect((JSON.parse(stdout) as { items: unknown[] }).items).toHaveLength(200);
  });

  it('gives `history --limit 1000` every record, not 200, and pages with --cursor', async () => {
    const all = await runDriveup(['history', '--limit', '1000', '--json'], agent.env);
    expect(all.code, all.stderr).toBe(0);
    const everything = JSON.parse(all.stdout) as { items: Array<{ id: string }> };
    expect(everything.items).toHaveLength(UPLOADED);

    const first = JSON.parse(
      (await runDriveup(['history', '--limit', '250', '--json'], agent.env)).stdout,
    ) as { items: Array<{ id: string }>; nextCursor: string };
    expect(first.items).toHaveLength(250);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await runDriveup(
      ['history', '--all', '--cursor', first.nextCursor, '--json'],
      agent.env,
    );
    const second = JSON.parse(rest.stdout) as { items: Array<{ id: string }>; nextCursor: null };
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(
      everything.items.map((r) => r.id),
    );
    expect(second.nextCursor).toBeNull();

    const human = await runDriveup(['history', '--limit', '5'], agent.env);
    expect(human.stdout).toMatch(/More: run it again with --cursor \S+, or with --all\./);
  });

  it('gives `queue --limit 1500` 1,500 jobs (the API pages by 1,000), goes on from --cursor, and --all is all', async () => {
    const all = JSON.parse((await runDriveup(['queue', '--all', '--json'], agent.env)).stdout) as {
      jobs: unknown[];
      nextCursor: unknown;
    };
    expect(all.jobs).toHaveLength(UPLOADED + WAITING);
    expect(all.nextCursor).toBeNull();
    const page = JSON.parse(
      (await runDriveup(['queue', '--limit', '1500', '--json'], agent.env)).stdout,
    ) as { jobs: Array<{ id: string }>; nextCursor: string };
    expect(page.jobs).toHaveLength(1500);
    const next = JSON.parse(
      (await runDriveup(['queue', '--cursor', page.nextCursor, '--all', '--json'], agent.env))
        .stdout,
    ) as { jobs: Array<{ id: string }> };
    expect(page.jobs.length + next.jobs.length).toBe(UPLOADED + WAITING);
    expect(new Set([...page.jobs, ...next.jobs].map((j) => j.id)).size).toBe(UPLOADED + WAITING);
  });

  it('names the Drive folder `folderPath` in add, queue and history alike', async () => {
    const file = join(agent.home, 'one.txt');
    await writeFile(file, 'one');
    const added = JSON.parse(
      (await runDriveup(['add', file, '--to', 'Same', '--json'], agent.env)).stdout,
    ) as { jobs: Array<Record<string, unknown>> };
    expect(added.jobs[0]).toMatchObject({ folderPath: 'Same' });
    expect(added.jobs[0]).not.toHaveProperty('folder');
    const queue = JSON.parse(
      (await runDriveup(['queue', '--limit', '1', '--json'], agent.env)).stdout,
    ) as { jobs: Array<Record<string, unknown>> };
    expect(queue.jobs[0]).toMatchObject({ folderPath: 'Same' });
    const history = JSON.parse(
      (await runDriveup(['history', '--limit', '1', '--json'], agent.env)).stdout,
    ) as { items: Array<Record<string, unknown>> };
    expect(history.items[0]).toHaveProperty('folderPath', 'Lists/done');
  });

  it('takes --since as a time back from now or a local date, and names the option when wrong', async () => {
    const recent = await runDriveup(['history', '--since', '10m', '--json'], agent.env);
    expect(recent.code, recent.stderr).toBe(0);
    expect((JSON.parse(recent.stdout) as { items: unknown[] }).items).toHaveLength(50);
    const today = new Date();
    const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
    const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')} 00:00`;
    const none = await runDriveup(['history', '--since', local, '--json'], agent.env);
    expect(none.code, none.stderr).toBe(0);
    expect((JSON.parse(none.stdout) as { items: unknown[] }).items).toHaveLength(0);
    const yesterday = await runDriveup(
      ['history', '--since', 'yesterday', '--limit', '1'],
      agent.env,
    );
    expect(yesterday.code).toBe(0);

    const wrong = await runDriveup(['history', '--since', 'last tuesday'], agent.env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--since/);
    expect(wrong.stderr).not.toMatch(/\bfrom:/);
    const backwards = await runDriveup(['history', '--since', '1h', '--until', '2h'], agent.env);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--since .* is not before --until/);
  });
});
