import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, isAppUrl } from '../../src/tray/app-protocol.ts';
import { BRIDGE_CHANNELS } from '../../src/tray/bridge-channels.ts';
import { notificationView, Notifier } from '../../src/tray/notifier.ts';
import { PAGE_CSP } from '../../src/tray/page-protocol.ts';
import { WINDOW_KINDS } from '../../src/tray/window-manager.ts';
import { StandinFrame, type StandinBrowserWindow } from '../support/electron-standin/index.ts';
import { runPreload, startTrayHarness, type TrayHarness } from './tray-harness.ts';

/**
 * Electron's security checklist (docs/security.md), item by item, checked on what main does to
 * the stand-in. Numbers are the checklist's.
 */
let harness: TrayHarness;
afterEach(() => harness?.close());

/** Main with a headless agent (no agent process: these checks are about the windows). */
async function withAllWindows(): Promise<StandinBrowserWindow[]> {
  harness = await startTrayHarness({ externalAgent: true });
  await harness.nextClient();
  for (const kind of WINDOW_KINDS) harness.app!.windows.open(kind);
  return harness.standin.windows();
}

describe('Electron security checklist', () => {
  it('1. loads only its own pages, from app://driveup', async () => {
    const windows = await withAllWindows();
    const urls = windows.flatMap((w) => w.loadedUrls);
    expect(urls.length).toBeGreaterThanOrEqual(WINDOW_KINDS.length);
    for (const url of urls) expect(isAppUrl(url), url).toBe(true);
  });

  it('2–4, 6, 8–10. every window: no Node, isolated, sandboxed, web security on, nothing experimental', async () => {
    for (const window of await withAllWindows()) {
      const prefs = window.options.webPreferences!;
      expect(prefs.nodeIntegration).toBe(false);
      expect(prefs.nodeIntegrationInWorker).toBe(false);
      expect(prefs.nodeIntegrationInSubFrames).toBe(false);
      expect(prefs.contextIsolation).toBe(true);
      expect(prefs.sandbox).toBe(true);
      expect(prefs.webSecurity).toBe(true);
      expect(prefs.allowRunningInsecureContent).toBe(false);
      expect(prefs.experimentalFeatures).toBe(false);
      expect(prefs.enableBlinkFeatures).toBeUndefined();
    }
  });

  it('5. refuses every permission request, except clipboard writes from our own pages', async () => {
    const [window] = await withAllWindows();
    const contents = window!.webContents;
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'hid',
    ] as const)
      expect(await contents.requestPermission(permission), permission).toBe(false);
    expect(contents.checkPermission('geolocation')).toBe(false);
    expect(await contents.requestPermission('clipboard-sanitized-write')).toBe(true);
    contents.mainFrame.url = 'https://example.com/';
    expect(await contents.requestPermission('clipboard-sanitized-write')).toBe(false);
  });

  it('7. serves its pages with a strict Content-Security-Policy', async () => {
    await withAllWindows();
    // The page's file does not exist in this test build for every page; the header is on every answer.
    const answer = await harness.standin.fetch('app://driveup/activity');
    expect(answer.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).not.toContain('unsafe');
  });

  it('11–12. allows no <webview>', async () => {
    for (const window of await withAllWindows()) {
      expect(window.options.webPreferences!.webviewTag).toBe(false);
      expect(window.webContents.attachWebview('https://example.com/')).toBe(false);
    }
  });

  it('13. lets no page navigate anywhere', async () => {
    for (const window of await withAllWindows())
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://driveup/settings'])
        expect(window.webContents.navigate(url), url).toBe(false);
  });

  it('14–15. opens no new window; an https link goes to the system browser, nothing else does', async () => {
    const [window] = await withAllWindows();
    const contents = window!.webContents;
    for (const url of [
      'https://drive.google.com/file/d/1',
      'http://drive.google.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
    ])
      expect(contents.openWindow(url), url).toBe('deny');
    await new Promise((resolve) => setImmediate(resolve));
    expect(harness.standin.record.openedExternal).toEqual(['https://drive.google.com/file/d/1']);
    // Notifications' "Open in Drive" follows the same rule.
    const opened: string[] = [];
    const notifier = new Notifier({
      Notification: harness.standin.electron.Notification,
      platform: 'darwin',
      icon: undefined,
      openReview: () => {},
      retry: () => {},
      openExternal: (url) => opened.push(url),
    });
    const batch = (webViewLink: string) => ({
      id: webViewLink,
      startedAt: new Date(),
      endedAt: new Date(),
      summary: 'a.txt uploaded to X',
      jobs: [
        {
          jobId: 'j',
          name: 'a.txt',
          folder: 'X',
          state: 'done' as const,
          error: null,
          webViewLink,
        },
      ],
    });
    for (const link of ['file:///etc/passwd', 'https://drive.google.com/file/d/2']) {
      expect(notificationView(batch(link), 'darwin', undefined).actions).toEqual(['open-in-drive']);
      notifier.showBatch(batch(link));
      harness.standin.notifications.at(-1)!.notification.clickAction('Open in Drive');
    }
    expect(opened).toEqual(['https://drive.google.com/file/d/2']);
  });

  it('16. runs a current Electron', () => {
    const pinned = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'))
      .devDependencies.electron as string;
    const installed = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../node_modules/electron/package.json'), 'utf8'),
    ).version as string;
    expect(Number(/\d+/.exec(pinned)![0])).toBeGreaterThanOrEqual(45);
    expect(Number(installed.split('.')[0])).toBeGreaterThanOrEqual(45);
  });

  it('17. answers IPC only from the main frame of its own windows showing its own pages', async () => {
    const [window] = await withAllWindows();
    const { ipcMain } = harness.standin;
    const portsFor = (w: StandinBrowserWindow) =>
      w.webContents.received.filter((m) => m.channel === BRIDGE_CHANNELS.port).length;

    ipcMain.sendFrom(window!.webContents, BRIDGE_CHANNELS.connect, []);
    expect(portsFor(window!)).toBe(1);

    // A frame inside our page (an iframe) is not the page.
    const iframe = new StandinFrame(
      'app://driveup/activity',
      window!.webContents.mainFrame.processId,
      99,
    );
    ipcMain.sendFrom(window!.webContents, BRIDGE_CHANNELS.connect, [], iframe);
    await expect(
      ipcMain.invokeFrom(window!.webContents, BRIDGE_CHANNELS.pickFiles, [], iframe),
    ).rejects.toThrow('refused');
    // Our window showing something that is not one of our pages.
    window!.webContents.mainFrame.url = 'https://evil.example/';
    ipcMain.sendFrom(window!.webContents, BRIDGE_CHANNELS.connect, []);
    await expect(
      ipcMain.invokeFrom(window!.webContents, BRIDGE_CHANNELS.pickFolder, []),
    ).rejects.toThrow('refused');
    expect(portsFor(window!)).toBe(1);

    // A window main did not make (nothing else should exist, but if it did).
    const stranger = new harness.standin.electron.BrowserWindow({});
    await stranger.loadURL('app://driveup/activity');
    ipcMain.sendFrom(stranger.webContents, BRIDGE_CHANNELS.connect, []);
    expect(portsFor(stranger)).toBe(0);
    expect(harness.standin.record.dialogs).toEqual([]);
  });

  it('18. serves pages from a custom protocol with no more privileges than https', async () => {
    await withAllWindows();
    expect(harness.standin.record.privilegedSchemes).toEqual([APP_SCHEME_PRIVILEGES]);
    expect(APP_SCHEME_PRIVILEGES.privileges).toEqual({ standard: true, secure: true });
    expect((await harness.standin.fetch('app://driveup/../../etc/passwd')).status).toBe(404);
    for (const window of harness.standin.windows())
      for (const url of window.loadedUrls) expect(url.startsWith('file:')).toBe(false);
  });

  it('20. exposes no Electron API to pages: only window.driveup, functions and the platform', async () => {
    const [window] = await withAllWindows();
    const mainWorld = await runPreload(harness.standin, window!, harness.files.preload);
    expect(Object.keys(mainWorld)).toEqual(['driveup']);
    for (const [name, value] of Object.entries(mainWorld.driveup as object))
      expect(typeof value, name).toBe(name === 'platform' ? 'string' : 'function');
  });
});
