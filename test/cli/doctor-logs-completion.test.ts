import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';
import { hasTmux, startTmux } from '../support/tmux-session.ts';
import { useTempDir } from '../support/temp-dir.ts';

const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));
const tempDir = useTempDir();

interface Check {
  name: string;
  ok: boolean;
  skipped: boolean;
  detail: string;
  fix: string | null;
}

describe('driveup doctor', () => {
  let agent: CliAgent;
  beforeAll(async () => {
    agent = await startCliAgent();
  }, 60_000);
  afterAll(() => agent?.close());

  it('checks Node, the agent, sign-in, Drive, MongoDB, inotify and disk, and exits 0 only when all is well', async () => {
    const result = await runDriveup(['doctor', '--json'], agent.env);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    const byName = new Map(report.checks.map((check) => [check.name, check]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'Node.js',
        'Directories',
        'Free disk',
        'Agent',
        'Sign-in',
        'Google Drive',
        'MongoDB',
        'inotify watches',
      ]),
    );
    expect(byName.get('Node.js')).toMatchObject({ ok: true, detail: process.versions.node });
    expect(byName.get('Agent')).toMatchObject({ ok: true });
    expect(byName.get('Sign-in')).toMatchObject({ ok: true, detail: 'fake.user@example.com' });
    expect(byName.get('Google Drive')!.detail).toMatch(/answered \(HTTP 401\)/);
    expect(byName.get('MongoDB')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/not configured/),
    });
    expect(report.ok).toBe(report.checks.every((check) => check.ok));
    expect(result.code).toBe(report.ok ? 0 : 1);
  });

  it('works without an agent, says what to do, and exits 1', async () => {
    const home = await tempDir();
    // A loopback port nothing listens on any more: Drive cannot be reached.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    const result = await runDriveup(['doctor'], {
      DRIVEUP_HOME: home,
      DRIVEUP_GOOGLE_ENDPOINT: `http://127.0.0.1:${port}`,
      DRIVEUP_MONGODB_URI: '',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Agent +not running for .*\n +→ Start it: driveup agent/);
    expect(result.stdout).toMatch(/- Sign-in +needs the agent/);
    expect(result.stdout).toMatch(
      /✗ Google Drive +127\.0\.0\.1:\d+ cannot be reached: ECONNREFUSED/,
    );
    expect(result.stdout).toMatch(/\d+ problem\(s\)\.\n$/);
  });

  it('names a DriveUp directory others may write to, as the agent would refuse it', async () => {
    const home = await tempDir();
    await mkdir(join(home, 'data'), { mode: 0o700 });
    await chmod(join(home, 'data'), 0o770);
    const result = await runDriveup(['doctor', '--json'], { DRIVEUP_HOME: home });
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    expect(report.checks.find((check) => check.name === 'Directories')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/data: other users may write to it \(mode 770\)/),
    });
    expect(result.code).toBe(1);
  });
});

describe('a watched folder that finds no files', () => {
  let agent: CliAgent;
  beforeAll(async () => {
    agent = await startCliAgent({ signedIn: false });
  }, 60_000);
  afterAll(() => agent?.close());

  it('is named by doctor, with why, and counted by status', async () => {
    const folder = join(agent.home, 'not-mounted-yet');
    const added = await runDriveup(['watch', 'add', folder, '--allow-missing'], agent.env);
    expect(added.code, added.stderr).toBe(0);

    const doctor = await runDriveup(['doctor', '--json'], agent.env);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: Check[] };
    expect(report.checks.find((check) => check.name === 'Watched folders')).toMatchObject({
      ok: false,
      detail: expect.stringContaining(`${folder}: `),
    });
    expect(doctor.code).toBe(1);
    const status = await runDriveup(['status'], agent.env);
    expect(status.stdout).toMatch(
      /^Watching {3}1 folder rule\(s\), 1 not finding files \(`driveup watch list` says why\)$/m,
    );
  });
});

describe('driveup logs', () => {
  it('prints the agent log readably without an agent, and -f follows new lines', async () => {
    const home = await tempDir();
    const logs = join(home, 'logs');
    await mkdir(logs);
    const line = (msg: string, extra: object = {}) =>
      `${JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 1, hostname: 'h', msg, ...extra })}\n`;
    await writeFile(join(logs, 'driveup.1.log'), line('agent started', { dataDir: '/d' }));
    await writeFile(
      join(logs, 'driveup.2.log'),
      line('upload failed', { level: 50, err: { type: 'Error', message: 'Drive said no' } }),
    );
    const env = { DRIVEUP_HOME: home };

    const all = await runDriveup(['logs'], env);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^2026-01-0\d \d\d:04:05\.000 {2}INFO {3}agent started {2}dataDir=\/d$/,
      ),
      expect.stringMatching(/ERROR {2}upload failed {2}err=Error: Drive said no$/),
      '',
    ]);
    const errors = await runDriveup(['logs', '--level', 'error', '--json'], env);
    expect(
      errors.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['upload failed']);

    const follow = spawn(process.execPath, [CLI, 'logs', '-f', '-n', '1'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: follow.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toMatch(/upload failed/);
    await appendFile(join(logs, 'driveup.2.log'), line('later line'));
    expect((await lines.next()).value).toMatch(/INFO {3}later line$/);
    // Rotation: the agent goes on in a new file.
    await writeFile(join(logs, 'driveup.3.log'), line('after rotation'));
    expect((await lines.next()).value).toMatch(/after rotation$/);
    follow.kill('SIGINT');
    const [code] = (await once(follow, 'exit')) as [number];
    expect(code).toBe(130);
  });
});

describe('driveup completion', () => {
  it('completes subcommands, options, choices and settings keys in a real bash', async (ctx) => {
    if (!(await hasTmux())) return ctx.skip('tmux is not installed');
    const home = await tempDir();
    const rc = join(home, 'rc.bash');
    await writeFile(
      rc,
      [
        "PS1='$ '",
        `driveup() { '${process.execPath}' '${CLI}' "$@"; }`,
        `source <('${process.execPath}' '${CLI}' completion bash)`,
        '',
      ].join('\n'),
    );
    const terminal = await startTmux(`bash --noprofile --rcfile ${rc} -i`, {
      columns: 120,
      rows: 20,
    });
    try {
      await terminal.waitForScreen((screen) => screen.startsWith('$'));
      await terminal.sendKeys('driveup wa', 'Tab');
      await terminal.waitForScreen((screen) => /^\$ driveup watch\s*$/m.test(screen));
      await terminal.sendKeys('a', 'Tab', '--allow-m', 'Tab');
      await terminal.waitForScreen((screen) =>
        /^\$ driveup watch add --allow-missing\s*$/m.test(screen),
      );
      await terminal.sendKeys('C-u', 'driveup queue --state fa', 'Tab');
      await terminal.waitForScreen((screen) =>
        /^\$ driveup queue --state failed\s*$/m.test(screen),
      );
      await terminal.sendKeys('C-u', 'driveup settings set uploads.conc', 'Tab');
      await terminal.waitForScreen((screen) =>
        /^\$ driveup settings set uploads\.concurrency\s*$/m.test(screen),
      );
    } finally {
      await terminal.kill();
    }
  });

  it('prints zsh and fish scripts generated from the same commands', async () => {
    for (const shell of ['zsh', 'fish']) {
      const { code, stdout } = await runDriveup(['completion', shell], {});
      expect(code).toBe(0);
      for (const word of ['watch', 'allow-missing', 'uploads.concurrency', 'doctor'])
        expect(stdout, shell).toContain(word);
    }
    const refused = await runDriveup(['completion', 'powershell'], {});
    expect(refused.code).toBe(2);
  });
});
