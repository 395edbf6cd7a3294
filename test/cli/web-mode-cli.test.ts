import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup, startDriveup } from '../support/driveup-process.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { startFakeGoogle } from '../support/fake-google/index.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `driveup agent --web --json`, resolved with what it printed once it serves. */
async function startWebAgent(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; web: string }> {
  const child = startDriveup(['agent', '--web', '--json'], env);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const info = await new Promise<{ web: string }>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      try {
        resolve(JSON.parse(stdout) as { web: string });
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code}): ${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  cleanups.push(stop);
  return { child, web: info.web };
}

async function stopAgent(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

describe('web mode from the command line', () => {
  it('says how to turn web mode on when the agent runs without it', async () => {
    const agent: CliAgent = await startCliAgent({ signedIn: false });
    cleanups.push(() => agent.close());
    const open = await runDriveup(['open', '--print'], agent.env);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/runs without web mode\. Start it with `driveup agent --web`/);
  });

  it('`agent --web` serves the pages, `open --print` gives a one-time address, the port outlasts a restart', async () => {
    const fake = await startFakeGoogle();
    cleanups.push(() => fake.close());
    const env = fakeGoogleEnv(fake.url, await tempDir());
    const first = await startWebAgent(env);
    expect(first.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const open = await runDriveup(['open', 'signin', '--print'], env);
    expect(open.code).toBe(0);
    const url = open.stdout.trim();
    expect(url.startsWith(`${first.web}/auth?token=`)).toBe(true);
    const signedIn = await fetch(url, { redirect: 'manual' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/signin');
    expect(signedIn.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    // Once only.
    expect((await fetch(url, { redirect: 'manual' })).status).not.toBe(303);
    expect((await runDriveup(['open', 'no-such-window', '--print'], env)).code).toBe(2);

    await stopAgent(first.child);
    const second = await startWebAgent(env);
    expect(second.web).toBe(first.web);
  });

  it.skipIf(process.platform !== 'linux')(
    '`open` starts the system browser on the address, without DriveUp’s secrets in its environment',
    async () => {
      const fake = await startFakeGoogle();
      cleanups.push(() => fake.close());
      const dir = await tempDir();
      const env = fakeGoogleEnv(fake.url, join(dir, 'home'));
      const agent = await startWebAgent(env);
      // A stand-in for xdg-open: it notes the address it was given and the environment it got.
      const bin = join(dir, 'bin');
      await mkdir(bin);
      const log = join(dir, 'browser.log');
      await writeFile(
        join(bin, 'xdg-open'),
        `#!/bin/sh\nenv > "${log}.env"\nprintf '%s\\n' "$1" > "${log}"\n`,
      );
      await chmod(join(bin, 'xdg-open'), 0o755);

      const open = await runDriveup(['open', 'history'], {
        ...env,
        PATH: `${bin}:${process.env.PATH}`,
        DRIVEUP_SECRET_KEY: 'never for the browser',
      });

      expect(open.code).toBe(0);
      expect(open.stdout).toMatch(/Opened history in your browser/);
      await expect
        .poll(() => readFile(log, 'utf8').catch(() => ''), { timeout: 10_000 })
        .toMatch(new RegExp(`^${agent.web}/auth\\?token=`));
      const browserEnv = await readFile(`${log}.env`, 'utf8');
      expect(browserEnv).not.toMatch(/^DRIVEUP_/m);
    },
  );
});
