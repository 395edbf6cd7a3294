import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGIN_FLAG } from '../../src/tray/login-item.ts';
import { ManualClock } from '../support/queue/manual-clock.ts';
import { startTrayHarness, type TrayHarness } from './tray-harness.ts';

let harnesses: TrayHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});
async function start(...args: Parameters<typeof startTrayHarness>) {
  const harness = await startTrayHarness(...args);
  harnesses.push(harness);
  return harness;
}
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the agent process', () => {
  it('is restarted when it dies, and people are told once it keeps dying', async () => {
    const harness = await start({
      env: { FIXTURE_CRASH: '1' },
      supervisor: { firstBackoffMs: 1, failuresBeforeNotice: 3 },
    });
    await until(() => harness.standin.notifications.length > 0);
    expect(harness.standin.forks.length).toBeGreaterThanOrEqual(3);
    const [notice] = harness.standin.notifications;
    expect(notice!.options.title).toBe('DriveUp’s agent keeps stopping');
    expect(notice!.options.body).toMatch(/stopped 3 times in a row \(exit code 1\)/);
    expect(notice!.options.body).toContain(harness.paths.stateDir);
    const tray = harness.standin.trays[0]!;
    await until(() => tray.toolTips.at(-1) === 'DriveUp’s agent stopped: starting it again');
    expect(harness.standin.notifications).toHaveLength(1);
  });

  it('comes back after a crash, and main talks to the new one', async () => {
    const harness = await start();
    const first = await harness.nextClient();
    const fork = harness.standin.forks[0]!;
    fork.process.child.kill('SIGKILL');
    const second = await harness.nextClient();
    expect(first.closed).toBe(true);
    expect(harness.standin.forks).toHaveLength(2);
    await second.called('subscribe');
    expect(harness.app!.supervisor!.state).toBe('ready');
  });

  it('leaves main running, and saying so, when it cannot make a client of the agent', async () => {
    const harness = await start({ noPortTransport: true });
    const tray = harness.standin.trays[0]!;
    await until(() => tray.toolTips.at(-1) === 'DriveUp cannot reach its agent: see its log');
    expect(harness.app!.supervisor!.state).toBe('ready');
    tray.menu.click('Activity');
    expect(harness.standin.windows()).toHaveLength(1);
  });

  it('has its secrets sealed by main with safeStorage', async () => {
    const harness = await start({ storageBackend: 'basic_text' });
    const client = await harness.nextClient();
    const port = client.port!;
    const answer = new Promise<unknown>((resolve) => port.once('message', (e) => resolve(e.data)));
    port.start();
    port.postMessage({ seal: 'refresh-token-123' });
    const { sealed, opened, protection } = (await answer) as Record<string, string>;
    expect(opened).toBe('refresh-token-123');
    expect(Buffer.from(sealed!, 'base64').toString('latin1')).toContain('standin-safeStorage:');
    expect(protection).toBe('none');
  });

  it('is killed when it does not stop within 10 s of quitting', async () => {
    const clock = new ManualClock();
    const harness = await start({ env: { FIXTURE_IGNORE_STOP: '1' }, supervisor: { clock } });
    await harness.nextClient();
    const fork = harness.standin.forks[0]!;
    harness.standin.app.quit();
    await until(() => harness.app!.supervisor!.state === 'stopping');
    clock.advance(9_999);
    expect(fork.process.pid).toBeDefined();
    clock.advance(1);
    await harness.standin.app.quitted;
    await fork.process.exited;
    expect(fork.process.signal).toBe('SIGTERM');
  });
});

describe('start at login', () => {
  it('writes and removes the XDG autostart entry on Linux as the setting changes', async () => {
    const harness = await start();
    const client = await harness.nextClient();
    await client.called('desktopSettings');
    const entry = join(harness.home, 'autostart', 'driveup.desktop');
    expect(existsSync(entry)).toBe(false);
    client.emit({ type: 'settings', settings: { startAtLogin: true } });
    await until(() => existsSync(entry));
    expect(await readFile(entry, 'utf8')).toContain(`Exec=/opt/DriveUp/driveup ${LOGIN_FLAG}\n`);
    client.emit({ type: 'settings', settings: { startAtLogin: false } });
    await until(() => !existsSync(entry));
  });

  it('uses the login item on macOS', async () => {
    const harness = await start({ platform: 'darwin' });
    const client = await harness.nextClient();
    client.emit({ type: 'settings', settings: { startAtLogin: true } });
    await until(() => harness.standin.app.loginItem.openAtLogin === true);
  });

  it('opens no window when started at login; started by hand it asks to sign in', async () => {
    const atLogin = await start({ argv: ['electron', '.', LOGIN_FLAG] });
    const client = await atLogin.nextClient();
    client.emit({ type: 'auth', status: { state: 'signed-out' } });
    await client.called('desktopSettings');
    await until(() => atLogin.standin.trays[0]!.toolTips.includes('Sign in to continue'));
    expect(atLogin.standin.windows()).toHaveLength(0);

    const byHand = await start({ agentState: { auth: { state: 'signed-out' } } });
    await until(() => byHand.standin.windows().length > 0);
    expect(byHand.standin.windows()[0]!.loadedUrls).toEqual(['app://driveup/signin']);
  });
});
