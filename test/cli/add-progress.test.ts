import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';
import { hasTmux, startTmux, type TmuxSession } from '../support/tmux-session.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));
const MIB = 1024 * 1024;
const ROWS = 30;

/** A bash script (bash, like an interactive shell, outlives a Ctrl-C its child handles) that runs `driveup …` with the agent's environment, then says how it exited. */
async function script(agent: CliAgent, args: string[], name: string): Promise<string> {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(agent.env).map(([k, v]) => `export ${k}=${quote(v ?? '')}`);
  const path = join(agent.home, name);
  await writeFile(
    path,
    [
      ...exports,
      `${quote(process.execPath)} ${quote(CLI)} ${args.map(quote).join(' ')}`,
      'echo "EXIT=$?"',
      // The terminal stays open, so its state (cursor, wrap) can be read afterwards.
      'exec sleep 600',
      '',
    ].join('\n'),
  );
  return path;
}

describe('add --wait shows progress people can read', () => {
  let agent: CliAgent;
  let terminal: TmuxSession | undefined;

  beforeAll(async () => {
    agent = await startCliAgent();
  }, 60_000);
  afterEach(async () => {
    await terminal?.kill();
    agent.fake.clearFaults();
    agent.fake.setBandwidth(null);
  });
  afterAll(() => agent?.close());

  it('at a terminal: an overall line, the running and retrying files from live events; Ctrl-C restores the terminal and exits 130', async (ctx) => {
    if (!(await hasTmux())) return ctx.skip('tmux is not installed');
    const dir = join(agent.home, 'tty');
    await mkdir(dir);
    for (const name of ['big-1.bin', 'big-2.bin'])
      await writeFile(join(dir, name), Buffer.alloc(12 * MIB, 1));
    await writeFile(join(dir, 'small.txt'), 'small');
    // Slow enough to watch; the small file's upload is refused once, to be retried in ten minutes.
    agent.fake.setBandwidth(2 * MIB);
    agent.fake.addFault({
      path: '/upload/',
      uploadType: 'multipart',
      status: 503,
      retryAfterSeconds: 600,
      times: 1,
    });

    terminal = await startTmux(
      `bash ${await script(agent, ['add', dir, '--to', 'P', '--wait'], 'tty.sh')}`,
      {
        columns: 120,
        rows: ROWS,
      },
    );
    // The refusal's Retry-After asks every request to wait (the pacer, at most 60 s): when it
    // comes before the big files' first bytes, they start only after that wait.
    const screen = await terminal.waitForScreen(
      (text) =>
        /retrying in \d+m \d+s \(attempt 2\): .*503/.test(text) &&
        /big-\d\.bin\s+\d+%\s+[\d.]+ MB of 12\.6 MB/.test(text),
      90_000,
    );
    const lines = screen.split('\n').filter((line) => line.trim());
    expect(lines.length).toBeLessThanOrEqual(ROWS);
    expect(lines[0]).toMatch(
      /\d+%\s+0\/3 files\s+[\d.]+ [kM]?B of 25\.2 MB\s+(—|[\d.]+ [kM]?B)\/s\s+ETA (—|\d+s|\d+m( \d+s)?)$/,
    );
    expect(lines.find((line) => line.includes('small.txt'))).not.toMatch(/%/);

    await terminal.sendKeys('C-c');
    const after = await terminal.waitForScreen((text) => /EXIT=\d+/.test(text));
    expect(after).toMatch(
      /Stopped waiting; uploads continue in the agent: driveup queue\nEXIT=130/,
    );
    expect(await terminal.display('#{cursor_flag} #{wrap_flag}')).toBe('1 1');
    // Only the waiting stopped: the jobs are still the agent's.
    const queue = JSON.parse((await runDriveup(['queue', '--json'], agent.env)).stdout) as {
      jobs: Array<{ name: string; state: string }>;
    };
    expect(queue.jobs.filter((j) => j.state === 'cancelled')).toEqual([]);
  }, 150_000);

  it('piped: one plain line per file as it finishes, then the totals', async () => {
    const dir = join(agent.home, 'piped');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'a');
    await writeFile(join(dir, 'b.bin'), Buffer.alloc(6 * MIB, 2));
    // b.bin (resumable) is refused once and waits three seconds; a.txt goes straight through.
    agent.fake.addFault({
      path: '/upload/',
      uploadType: 'resumable',
      status: 503,
      retryAfterSeconds: 3,
      times: 1,
    });
    const child = spawn(process.execPath, [CLI, 'add', dir, '--to', 'Q', '--wait'], {
      env: { ...process.env, ...agent.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const firstLine = new Promise<string>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout);
      });
    });
    const seen = await firstLine;
    expect(seen).toMatch(/^uploaded +a\.txt \(1 B\) +https:\/\/\S+\n$/);
    expect(child.exitCode).toBeNull();
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      expect.stringMatching(/^uploaded +a\.txt/),
      expect.stringMatching(/^uploaded +b\.bin \(6\.29 MB\)/),
      '2 of 2 file(s) uploaded.',
      '',
    ]);
  }, 60_000);

  it('piped, with the queue already paused: says why nothing moves, and Ctrl-C says the files wait', async () => {
    const dir = join(agent.home, 'paused');
    await mkdir(dir);
    await writeFile(join(dir, 'c.txt'), 'c');
    expect((await runDriveup(['pause'], agent.env)).code).toBe(0);
    try {
      const child = spawn(process.execPath, [CLI, 'add', dir, '--to', 'R', '--wait'], {
        env: { ...process.env, ...agent.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const said = new Promise<void>((resolve) =>
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          if (stderr.includes('\n')) resolve();
        }),
      );
      await said;
      expect(stderr).toMatch(/^Paused: .+\n$/);
      const closed = once(child, 'close');
      child.kill('SIGINT');
      const [code] = (await closed) as [number];
      expect(code).toBe(130);
      expect(stderr).toMatch(
        /\nStopped waiting; the files stay queued in the agent, which is paused \(.+\): driveup queue\n$/,
      );
    } finally {
      await runDriveup(['resume'], agent.env);
    }
  }, 60_000);

  it('at a terminal, an add that takes seconds says it is under way, and the answer takes its place', async (ctx) => {
    if (!(await hasTmux())) return ctx.skip('tmux is not installed');
    const file = join(agent.home, 'again.txt');
    await writeFile(file, 'uploaded once');
    await runDriveup(['add', file, '--to', 'Again', '--wait'], agent.env);
    // Adding it again, the agent asks Drive whether it is still there; Drive takes its time.
    agent.fake.addFault({
      method: 'GET',
      path: '/drive/v3/files/',
      latencyMs: 2500,
      times: Infinity,
    });

    terminal = await startTmux(
      `bash ${await script(agent, ['add', file, '--to', 'Again'], 'slow.sh')}`,
    );

    await terminal.waitForScreen((text) =>
      text.includes('Adding: the agent is checking the files…'),
    );
    const after = await terminal.waitForScreen((text) => /EXIT=\d+/.test(text));
    // Where the notice was: the answer, from the start of the line.
    expect(after).toMatch(/^not uploaded\s+again\.txt\s+already in Again since /m);
    expect(after).toMatch(/1 already in Drive .*\nEXIT=0/);
    expect(after).not.toContain('Adding:');
  }, 60_000);

  it('at a terminal with its output piped on (| cat): every finished line stays, no live line is left', async (ctx) => {
    if (!(await hasTmux())) return ctx.skip('tmux is not installed');
    const dir = join(agent.home, 'teed');
    await mkdir(dir);
    for (const name of ['one.txt', 'two.txt']) await writeFile(join(dir, name), name);
    const path = await script(agent, ['add', dir, '--to', 'Teed', '--wait'], 'teed.sh');
    // The script's driveup line, piped into cat, which writes to the same terminal.
    await writeFile(
      path,
      (await readFile(path, 'utf8')).replace(/^(.*driveup\.ts'.*)$/m, '$1 | cat'),
    );

    terminal = await startTmux(`bash ${path}`);

    const after = await terminal.waitForScreen((screen) => /EXIT=\d+/.test(screen));
    expect(after).toMatch(/^uploaded +one\.txt \(7 B\)/m);
    expect(after).toMatch(/^uploaded +two\.txt \(7 B\)/m);
    expect(after).toMatch(/^2 of 2 file\(s\) uploaded\.\nEXIT=0/m);
    expect(after).not.toContain('Adding');
  }, 60_000);
});
