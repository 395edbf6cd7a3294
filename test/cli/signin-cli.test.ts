import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriveup, startDriveup, waitForLine } from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';

/** A `driveup` process whose output is kept, and whose end can be awaited. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = startDriveup(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The sign-in address the command printed. */
async function addressOf(running: Running): Promise<string> {
  return (await waitForLine(running.child, /^http/)).trim();
}

/** Google's consent page, as a browser sees it: where it sends the browser back to. */
async function consent(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  return new URL(response.headers.get('location')!);
}

async function land(location: URL): Promise<{ status: number; text: string }> {
  const page = await fetch(location);
  return { status: page.status, text: await page.text() };
}

function connects(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Sign-in as a person runs it, in real processes: each attempt reports its own outcome, a person
 * is told what happened and what to do, and nothing waits forever.
 */
describe('driveup signin reports what happened', () => {
  let fake: FakeGoogle;
  let agent: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let home: string;
  /** A code Google already exchanged, for the replay test. */
  let usedLocation: URL;

  beforeAll(async () => {
    fake = await startFakeGoogle();
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

  it('whoami exits 1 while signed out', async () => {
    const whoami = await runDriveup(['whoami'], env);
    expect(whoami.code).toBe(1);
    expect(whoami.stdout).toMatch(/not signed in/);
  });

  it('Ctrl-C cancels the attempt: its port closes, exit 130', async () => {
    const signin = start(['signin', '--no-browser'], env);
    const url = await addressOf(signin);
    const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
    expect(await connects(redirect)).toBe(true);
    signin.child.kill('SIGINT');
    expect(await signin.exited).toBe(130);
    expect(signin.stderr()).toMatch(/^Sign-in cancelled\.$/m);
    expect(await connects(redirect)).toBe(false);
    const status = await runDriveup(['whoami', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'signed-out' });
  });

  it('prints the timeout when it fires', async () => {
    const signin = await runDriveup(['signin', '--no-browser', '--timeout', '1s'], env);
    expect(signin.code).toBe(1);
    expect(signin.stderr).toMatch(
      /Sign-in did not complete: No answer came back from the browser within 1 second/,
    );
    expect(signin.stderr).toMatch(/Not signed in\./);
  });

  it('a second signin replaces the first, and each says how its own attempt ended', async () => {
    const first = start(['signin', '--no-browser'], env);
    await addressOf(first);
    const second = start(['signin', '--no-browser'], env);
    const url = await addressOf(second);
    expect(await first.exited).toBe(1);
    expect(first.stderr()).toMatch(/A newer sign-in replaced this one/);
    // The second one's address works, and it reports that.
    usedLocation = await consent(url);
    expect((await land(usedLocation)).status).toBe(200);
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(/^Signed in as fake\.user@example\.com\.$/m);
    // One period at the end of the unencrypted-token warning, not two.
    expect(second.stdout()).toMatch(/^warning: Google tokens are stored unencrypted .*[^.]\.$/m);
    expect((await runDriveup(['whoami'], env)).code).toBe(0);
  });

  it('while signed in, says who is signed in and that --switch starts over', async () => {
    const signin = await runDriveup(['signin', '--no-browser'], env);
    expect(signin.code).toBe(0);
    expect(signin.stdout).toMatch(/Already signed in as fake\.user@example\.com\./);
    expect(signin.stdout).toMatch(/driveup signin --switch/);
    expect(signin.stdout).not.toMatch(/http/);
  });

  it('a replayed code does not claim success: it says the attempt failed and who is still signed in', async () => {
    const signin = start(['signin', '--switch', '--no-browser'], env);
    const fresh = await consent(await addressOf(signin));
    // This attempt's state with a code Google already exchanged.
    const replay = new URL(fresh);
    replay.searchParams.set('code', usedLocation.searchParams.get('code')!);
    expect((await land(replay)).status).toBe(400);
    expect(await signin.exited).toBe(1);
    expect(signin.stderr()).toMatch(
      /Sign-in did not complete: Google did not complete the sign-in/,
    );
    expect(signin.stderr()).toMatch(/Still signed in as fake\.user@example\.com, as before\./);
    expect(signin.stdout()).not.toMatch(/Signed in as/);
  });

  it('a token endpoint that never answers times out, and says so', async () => {
    fake.addFault({ method: 'POST', path: '/token', latencyMs: 600_000 });
    try {
      const signin = start(['signin', '--switch', '--no-browser', '--timeout', '5s'], env);
      const landing = await land(await consent(await addressOf(signin)));
      expect(landing.status).toBe(400);
      expect(await signin.exited).toBe(1);
      expect(signin.stderr()).toMatch(/Google did not answer within 5 seconds/);
    } finally {
      fake.clearFaults();
    }
  });
});
