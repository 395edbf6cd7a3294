import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriveup, startDriveup, waitForLine } from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/**
 * The headless product as a user scripts it: the agent in its own process, every command a
 * separate `driveup` process talking to it over the local socket, Google replaced by the fake.
 */
describe('driveup command line against a running agent', () => {
  let fake: FakeGoogle;
  let agent: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let home: string;

  beforeAll(async () => {
    fake = await startFakeGoogle();
    // The agent's home lives for the whole file, not one test.
    home = await mkdtemp(join(tmpdir(), 'du-'));
    env = fakeGoogleEnv(fake.url, home);
    agent = startDriveup(['agent', '--json'], env);
    await waitForLine(agent, /"pid"/);
  });

  afterAll(async () => {
    if (agent.exitCode === null) {
      agent.kill('SIGKILL');
      await once(agent, 'exit');
    }
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses a second agent for the same data directory', async () => {
    const second = await runDriveup(['agent'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running/);
  });

  it('signs in with the address printed by `signin --no-browser`', async () => {
    const signin = startDriveup(['signin', '--no-browser', '--json'], env);
    let stderr = '';
    signin.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    let stdout = '';
    signin.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    const url = await new Promise<string>((resolve) => {
      const onData = () => {
        const match = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      };
      signin.stderr!.on('data', onData);
    });
    const landing = await followSignInUrl(url);
    expect(landing.text).toMatch(/close this tab/i);
    const [code] = await once(signin, 'exit');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      state: 'signed-in',
      account: { email: 'fake.user@example.com' },
    });
  });

  it('uploads three files with `add --wait --json` and prints their Drive ids', async () => {
    const dir = await tempDir();
    const names = ['alpha-report.txt', 'beta-report.txt', 'gamma-report.txt'];
    for (const name of names) await writeFile(join(dir, name), `contents of ${name}\n`);
    const result = await runDriveup(
      ['add', ...names.map((n) => join(dir, n)), '--to', 'X', '--wait', '--json'],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { jobs } = JSON.parse(result.stdout) as {
      jobs: Array<{ state: string; driveFileId: string }>;
    };
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done']);
    const stored = fake.files().filter((f) => names.includes(f.name));
    expect(stored.map((f) => f.id).sort()).toEqual(jobs.map((j) => j.driveFileId).sort());
  });

  it('finds them with `history <word> --json`', async () => {
    const result = await runDriveup(['history', 'report', '--json'], env);
    expect(result.code).toBe(0);
    const page = JSON.parse(result.stdout) as {
      backend: string;
      items: Array<{ name: string; status: string }>;
    };
    expect(page.backend).toBe('local');
    expect(page.items.map((r) => r.name).sort()).toEqual([
      'alpha-report.txt',
      'beta-report.txt',
      'gamma-report.txt',
    ]);
  });

  it('reports the account and an empty queue with `status --json`', async () => {
    const result = await runDriveup(['status', '--json'], env);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.auth.account.email).toBe('fake.user@example.com');
    expect(status.queue.paused).toBe(false);
    expect(status.queue.counts).toMatchObject({ queued: 0, running: 0 });
  });

  it('answers a usage error with exit code 2 and bad API input with a clear message', async () => {
    expect((await runDriveup(['add'], env)).code).toBe(2);
    const bad = await runDriveup(['settings', 'set', 'uploads.concurrency', '99'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/concurrency/);
    const ownDir = await runDriveup(['watch', 'add', join(home, 'data')], env);
    expect(ownDir.code).toBe(2);
    expect(ownDir.stderr).toMatch(/DriveUp's own directory/);
    const missing = await runDriveup(['cancel', 'no-such-job'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-job/);
    expect((await runDriveup(['status'], env)).code).toBe(0);
  });

  it('stops on SIGTERM, then `status` says no agent runs and exits 3', async () => {
    agent.kill('SIGTERM');
    const [code] = await once(agent, 'exit');
    expect(code).toBe(0);
    const status = await runDriveup(['status'], env);
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/No DriveUp agent is running.*\n.*driveup agent/);
  });
});
