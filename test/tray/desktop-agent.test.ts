import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import {
  connectOverDesktopBridge,
  type DesktopBridge,
} from '../../src/ipc/common/desktop-bridge.ts';
import { portLink } from '../../src/ipc/common/port-link.ts';
import { transformer } from '../../src/ipc/common/transformer.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { LOGIN_FLAG } from '../../src/tray/login-item.ts';
import { EXTERNAL_AGENT_NOTE } from '../../src/tray/tray-presenter.ts';
import type { WindowKind } from '../../src/tray/window-manager.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';
import { runPreload, startTrayHarness, type TrayHarness } from './tray-harness.ts';

/**
 * Main as it ships, under Node against the Electron stand-in: the agent-process bundle
 * (dist/tray/agent-process.js) in a real child process, main's own client over its port, the
 * windows' ports through the real preload, the secret cipher answered by main.
 */

let fake: FakeGoogle;
const homes: string[] = [];
let harnesses: TrayHarness[] = [];
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
  for (const stop of stops.splice(0)) await stop();
});
afterAll(async () => {
  await fake.close();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

async function newHome(): Promise<{ home: string; env: Record<string, string> }> {
  const home = await mkdtemp(join(tmpdir(), 'du-'));
  homes.push(home);
  return { home, env: fakeGoogleEnv(fake.url, home) };
}

async function startApp(options: { externalAgent?: boolean } = {}) {
  const { home, env } = await newHome();
  return startIn(home, env, options);
}

async function startIn(
  home: string,
  env: Record<string, string>,
  options: { externalAgent?: boolean } = {},
): Promise<TrayHarness> {
  // Started at login: no window opens by itself, so the tests open the ones they use.
  const harness = await startTrayHarness({
    home,
    env,
    realAgent: true,
    argv: ['electron', '.', LOGIN_FLAG],
    ...options,
  });
  harnesses.push(harness);
  return harness;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

function menuLabels(harness: TrayHarness): string[] {
  return harness.standin.trays[0]?.menus.at(-1)?.labels() ?? [];
}

/** Whether the menu offers `label` to click: main has its agent (items are disabled before). */
function offers(harness: TrayHarness, label: string): boolean {
  const item = harness.standin.trays[0]?.menus.at(-1)?.items.find((i) => i.label === label);
  return item !== undefined && item.enabled !== false;
}

/** A window of `kind`, its page connected through the real preload bundle. */
async function windowClient(
  harness: TrayHarness,
  kind: WindowKind,
): Promise<TRPCClient<AppRouter>> {
  harness.app!.windows.open(kind);
  const window = harness.standin.windows().find((w) => w.loadedUrls[0]?.endsWith(`/${kind}`))!;
  const mainWorld = await runPreload(harness.standin, window, harness.files.preload);
  const bridge = mainWorld.driveup as DesktopBridge;
  return createTRPCClient<AppRouter>({
    links: [portLink<AppRouter>({ connect: connectOverDesktopBridge(bridge), transformer })],
  });
}

/** The stand-in's safeStorage is a marker and XOR (test/support/electron-standin): undone here. */
function openedByStandin(sealed: Buffer): string {
  const marker = 'standin-safeStorage:';
  expect(sealed.subarray(0, marker.length).toString('latin1')).toBe(marker);
  return Buffer.from(sealed.subarray(marker.length).map((byte) => byte ^ 0x5a)).toString('utf8');
}

describe('the desktop app with its own agent process', () => {
  it('starts the bundled agent process and pauses and resumes uploads from the menu', async () => {
    const harness = await startApp();
    await until(() => offers(harness, 'Pause uploads'));
    const cli = createSocketClient<AppRouter>(harness.paths.socketPath);
    // `driveup` reaches the same agent, in the process main forked.
    expect((await cli.agent.status.query()).pid).toBe(harness.standin.forks[0]!.process.pid);
    expect(harness.standin.forks[0]!.modulePath).toMatch(/dist\/tray\/agent-process\.js$/);

    harness.standin.trays[0]!.menu.click('Pause uploads');

    // The tray hears it back over its port (the event, then the summary it reads).
    await until(() => offers(harness, 'Resume uploads'));
    expect((await cli.activity.summary.query()).pause).not.toBeNull();
    harness.standin.trays[0]!.menu.click('Resume uploads');
    await until(() => offers(harness, 'Pause uploads'));
    expect((await cli.activity.summary.query()).pause).toBeNull();
  });

  it('serves a window’s port from the agent process', async () => {
    const harness = await startApp();
    await until(() => offers(harness, 'Pause uploads'));
    const window = await windowClient(harness, 'activity');

    const status = await window.agent.status.query();

    expect(status.pid).toBe(harness.standin.forks[0]!.process.pid);
    await window.queue.pause.mutate({});
    await until(() => offers(harness, 'Resume uploads'));
  });

  it('has the tokens sealed by main’s safeStorage: the file on disk is not the token', async () => {
    const harness = await startApp();
    await until(() => offers(harness, 'Pause uploads'));
    const window = await windowClient(harness, 'signin');

    const attempt = await window.auth.beginSignIn.mutate({ openBrowser: false });
    if (attempt.kind !== 'started') throw new Error(`no sign-in started: ${attempt.kind}`);
    await followSignInUrl(attempt.url);
    const outcome = await window.auth.signInOutcome.query({ attemptId: attempt.attemptId });

    expect(outcome.kind).toBe('signed-in');
    const dir = harness.paths.secretsDir;
    const opened: string[] = [];
    for (const file of await readdir(dir)) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text, file).not.toContain('1//fake-refresh-');
      const stored = JSON.parse(text) as { alg: string; sealed: string };
      expect(stored.alg, file).toBe('safe-storage');
      opened.push(openedByStandin(Buffer.from(stored.sealed, 'base64')));
    }
    // What main sealed with (the stand-in's) safeStorage is the refresh token, named as it is.
    expect(opened.some((plain) => plain.includes('1//fake-refresh-'))).toBe(true);
    // Opened again by main on the way back: the agent knows who is signed in.
    expect((await window.auth.status.query()).state).toBe('signed-in');
  });

  it('stops the agent cleanly when the app quits, well within the 10 s', async () => {
    const harness = await startApp();
    await until(() => offers(harness, 'Pause uploads'));
    const fork = harness.standin.forks[0]!;

    harness.standin.app.quit();
    await harness.standin.app.quitted;

    expect(await fork.process.exited).toBe(0);
    // Not killed at the deadline: it stopped by itself when asked.
    expect(fork.process.signal).toBeNull();
    expect(harness.app!.supervisor!.state).toBe('stopped');
  });

  it('quits when its agent is told to shut down over the API, instead of starting another', async () => {
    const harness = await startApp();
    await until(() => offers(harness, 'Pause uploads'));
    const fork = harness.standin.forks[0]!;
    const cli = createSocketClient<AppRouter>(harness.paths.socketPath);

    expect(await cli.agent.shutdown.mutate()).toEqual({ stopping: true });
    await harness.standin.app.quitted;

    expect(await fork.process.exited).toBe(0);
    expect(harness.standin.forks).toHaveLength(1);
    expect(harness.app!.supervisor!.state).toBe('stopped');
    expect(harness.standin.notifications).toEqual([]);
  });
});

describe('the desktop app with a headless agent already running', () => {
  it('forks nothing, says so, and serves the windows from that agent through main', async () => {
    const { home, env } = await newHome();
    const paths = resolvePaths({ env });
    const headless = await serveAgent({ paths, env, openBrowser: async () => {} }, [
      socketTransport(paths.socketPath),
    ]);
    stops.push(() => headless.stop());

    const harness = await startIn(home, env);
    await until(() => menuLabels(harness).includes(EXTERNAL_AGENT_NOTE));
    expect(harness.standin.forks).toHaveLength(0);
    const window = await windowClient(harness, 'activity');

    expect((await window.agent.status.query()).bootId).toBe(headless.agent.bootId);
    const events: string[] = [];
    const subscription = window.events.subscribe({}, { onData: (e) => events.push(e.data.type) });
    await window.queue.pause.mutate({});
    await until(() => events.includes('queue.paused'));
    subscription.unsubscribe();
    expect(headless.agent.queue.isPaused()).toBe(true);
  });
});
