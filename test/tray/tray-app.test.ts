import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';
import { EXTERNAL_AGENT_NOTE } from '../../src/tray/tray-presenter.ts';
import { WINDOW_KINDS } from '../../src/tray/window-manager.ts';
import { FIXTURE_AGENT, startTrayHarness, summary, type TrayHarness } from './tray-harness.ts';

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

/** The stand-in window showing this page. */
function windowOf(harness: TrayHarness, page: string) {
  return harness.standin
    .windows()
    .find((w) => new URL(w.loadedUrls.at(-1) ?? 'x:').pathname === `/${page}`);
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the tray app under the Electron stand-in', () => {
  it('starts the agent process with the driveup V8 flags, and talks to it over a port', async () => {
    const harness = await start();
    const client = await harness.nextClient();
    const [fork] = harness.standin.forks;
    expect(harness.standin.forks).toHaveLength(1);
    expect(fork!.modulePath).toBe(FIXTURE_AGENT);
    expect(fork!.options.execArgv).toEqual([...NODE_FLAGS]);
    expect((fork!.options.env as Record<string, string>).DRIVEUP_HOME).toBe(harness.home);
    expect(harness.app!.supervisor!.state).toBe('ready');
    // The port main made for its own client reaches the agent process.
    const port = client.port!;
    const echoed = new Promise<unknown>((resolve) => port.once('message', (e) => resolve(e.data)));
    port.start();
    port.postMessage('hello');
    expect(await echoed).toMatchObject({ echo: 'hello', client: 'tray' });
    await client.called('subscribe');
  });

  it('draws the tray from icon files that exist, and changes the icon with the state', async () => {
    const harness = await start();
    const client = await harness.nextClient();
    await client.called('authStatus');
    const [tray] = harness.standin.trays;
    await until(() => tray!.toolTips.includes('Up to date'));
    client.emit({
      type: 'activity',
      summary: summary({ run: { filesDone: 1, filesTotal: 4 }, running: [{}] }),
    });
    await until(() => tray!.toolTips.at(-1) === 'Uploading 2 of 4');
    const images = new Set(tray!.images.map((image) => image.replace(harness.files.assets, '')));
    expect([...images]).toEqual(['/tray/idle-24.png', '/tray/uploading-24.png']);
    for (const image of tray!.images) expect(existsSync(image)).toBe(true);
  });

  it('makes each menu item do its job: procedures, windows, the logs folder', async () => {
    const harness = await start();
    const client = await harness.nextClient();
    const tray = harness.standin.trays[0]!;
    // Pausing needs the agent: the item is enabled once main has read its state.
    await until(() => tray.toolTips.includes('Up to date'));
    tray.menu.click('Pause uploads');
    await client.called('pause');
    client.emit({
      type: 'activity',
      summary: summary({ pause: { kind: 'user', reason: 'Paused by you' } }),
    });
    await until(() => tray.menu.labels().includes('Resume uploads'));
    tray.menu.click('Resume uploads');
    await client.called('resume');

    const opens = async (label: string, page: string) => {
      tray.menu.click(label);
      await until(() => windowOf(harness, page)?.focused === true);
    };
    await opens('Upload files…', 'upload');
    await opens('Activity', 'activity');
    await opens('History', 'history');
    await opens('Settings…', 'settings');
    await opens('Signed in as ada@example.com', 'signin');
    tray.menu.click('Open logs folder');
    expect(harness.standin.record.openedPaths).toEqual([harness.paths.stateDir]);
  });

  it('gives every window the secure preferences and a preload that exists', async () => {
    const harness = await start();
    await harness.nextClient();
    for (const kind of WINDOW_KINDS) harness.app!.windows.open(kind);
    const windows = WINDOW_KINDS.map((kind) => windowOf(harness, kind)!);
    expect(new Set(windows).size).toBe(WINDOW_KINDS.length);
    for (const window of windows) {
      const prefs = window.options.webPreferences!;
      expect(prefs).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      });
      expect(prefs.preload).toBe(harness.files.preload);
      expect(existsSync(prefs.preload!)).toBe(true);
    }
  });

  it('queues files dropped on the tray (macOS) and files opened with DriveUp', async () => {
    const harness = await start({ platform: 'darwin' });
    const client = await harness.nextClient();
    harness.standin.trays[0]!.dropFiles(['/data/a.tif', '/data/b.tif']);
    expect(await client.called('add')).toEqual([['/data/a.tif', '/data/b.tif']]);
    harness.standin.app.emit('open-file', { preventDefault() {} }, '/data/c.tif');
    expect(await client.called('add')).toEqual([['/data/c.tif']]);
  });

  it('says so when the agent refuses dropped files, in its words', async () => {
    const harness = await start({ platform: 'darwin' });
    const client = await harness.nextClient();
    client.refuseAdd = 'No such file: /data/gone.tif. Check the path and try again.';
    harness.standin.trays[0]!.dropFiles(['/data/gone.tif']);
    await client.called('add');
    await until(() => harness.standin.notifications.length > 0);
    expect(harness.standin.notifications[0]!.options).toMatchObject({
      title: 'DriveUp could not queue a file',
      body: 'No such file: /data/gone.tif. Check the path and try again.',
    });
  });

  it('queues files opened before the agent was ready, once it is', async () => {
    const harness = await start({ argv: ['electron', '.', 'relative.txt', '--flag', '/abs.txt'] });
    const client = await harness.nextClient();
    expect(await client.called('add')).toEqual([[join(harness.home, 'relative.txt'), '/abs.txt']]);
  });

  it('takes a second launch’s files from its lock data, resolved where it was launched', async () => {
    const first = await start();
    const client = await first.nextClient();
    await client.called('authStatus');
    const second = await start({
      home: first.home,
      argv: ['electron', '.', 'scan.tif'],
      cwd: '/elsewhere',
    });
    expect(second.app).toBeUndefined();
    await second.standin.app.quitted;
    expect(await client.called('add')).toEqual([['/elsewhere/scan.tif']]);
    expect(second.standin.forks).toHaveLength(0);
    // A second launch without files shows Activity (a desktop may show no tray at all).
    const third = await start({ home: first.home });
    expect(third.app).toBeUndefined();
    await until(() =>
      first.standin.windows().some((w) => w.loadedUrls.includes('app://driveup/activity')),
    );
  });

  it('opens Review for a batch when its notification is clicked, and retries from its button', async () => {
    const harness = await start({ platform: 'darwin' });
    const client = await harness.nextClient();
    const batch = {
      id: 'batch-7',
      startedAt: new Date(),
      endedAt: new Date(),
      summary: '12 uploaded to Lab/2026, 1 failed',
      jobs: [
        {
          jobId: 'j1',
          name: 'a.tif',
          folder: 'Lab/2026',
          state: 'done' as const,
          error: null,
          webViewLink: 'https://drive.google.com/file/d/1',
        },
        {
          jobId: 'j2',
          name: 'b.tif',
          folder: 'Lab/2026',
          state: 'failed' as const,
          error: 'Drive storage is full',
          webViewLink: null,
        },
      ],
    };
    client.emit({ type: 'batch', batch });
    const [shown] = harness.standin.notifications;
    expect(shown!.options.body).toBe('12 uploaded to Lab/2026, 1 failed');
    shown!.notification.click();
    expect(harness.standin.windows().at(-1)!.loadedUrls).toEqual([
      'app://driveup/review?batch=batch-7',
    ]);
    shown!.notification.clickAction('Retry');
    expect(await client.called('retry')).toEqual([['j2']]);
  });

  it('opens Activity on a left click on Windows; elsewhere the menu is the way in', async () => {
    const windows = await start({
      platform: 'win32',
      externalAgent: true,
      argv: ['e', '.', '--started-at-login'],
    });
    await windows.nextClient();
    windows.standin.trays[0]!.emit('click', {});
    await until(() => windowOf(windows, 'activity') !== undefined);
    const linux = await start({ externalAgent: true, argv: ['e', '.', '--started-at-login'] });
    await linux.nextClient();
    linux.standin.trays[0]!.emit('click', {});
    expect(linux.standin.windows()).toEqual([]);
  });

  it('quits only after the agent process stopped cleanly', async () => {
    const harness = await start();
    await harness.nextClient();
    const fork = harness.standin.forks[0]!;
    harness.standin.trays[0]!.menu.click('Quit');
    await harness.standin.app.quitted;
    expect(await fork.process.exited).toBe(0);
    expect(harness.standin.trays[0]!.destroyed).toBe(true);
  });

  it('uses a headless agent that already serves the data directory, and says so', async () => {
    const harness = await start({ externalAgent: true });
    const client = await harness.nextClient();
    await client.called('authStatus');
    const tray = harness.standin.trays[0]!;
    await until(() => tray.menus.at(-1)?.labels().includes(EXTERNAL_AGENT_NOTE) === true);
    expect(harness.standin.forks).toHaveLength(0);
  });

  it('keeps running when the last window closes, and remembers where each window was', async () => {
    const harness = await start();
    await harness.nextClient();
    const window = harness.app!.windows.open('history');
    const standinWindow = windowOf(harness, 'history')!;
    standinWindow.setBounds({ x: 300, y: 200, width: 900, height: 640 });
    standinWindow.close();
    expect(window.isDestroyed()).toBe(true);
    expect(harness.standin.app.isReady()).toBe(true);
    await until(() => existsSync(join(harness.paths.dataDir, 'windows.json')));
    const saved = JSON.parse(await readFile(join(harness.paths.dataDir, 'windows.json'), 'utf8'));
    expect(saved.history).toEqual({ x: 300, y: 200, width: 900, height: 640 });
    harness.app!.windows.open('history');
    expect(windowOf(harness, 'history')!.options).toMatchObject({
      x: 300,
      y: 200,
      width: 900,
      height: 640,
    });
  });
});
