// The desktop app end to end, in a real Electron, with Playwright's `_electron`:
//   npm run e2e:electron
// It runs where an Electron binary exists (ELECTRON_OVERRIDE_DIST_PATH, or `npm ci` with the
// binary downloaded), building the app first; elsewhere it reports itself skipped, with the reason.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { appFiles } from '../../src/tray/app-files.ts';
import { startFakeGoogle, type FakeGoogle } from '../../test/support/fake-google/index.ts';
import { fakeGoogleEnv } from '../../test/support/fake-google-env.ts';
import { followSignInUrl } from '../../test/support/follow-sign-in.ts';
import { findElectronBinary } from './electron-binary.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const binary = findElectronBinary();
const skip = 'missing' in binary ? binary.missing : false;

// A skipped run counts as one skipped test (a skipped suite would report "tests 0, skipped 0").
if (skip) it('the desktop app in Electron', { skip }, () => {});
else
  describe('the desktop app in Electron', () => {
    let fake: FakeGoogle;
    let home: string;
    let env: Record<string, string>;
    let app: ElectronApplication;

    before(async () => {
      // What Electron runs is the built app (main, preload, agent process, pages): built here, so
      // the run does not depend on a build left over from another command, or on its order.
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.ts')], {
        cwd: ROOT,
        stdio: 'inherit',
      });
      assert.ok(existsSync(join(appFiles(ROOT).pages, 'upload.html')), 'the build made the pages');
      fake = await startFakeGoogle();
      home = await mkdtemp(join(tmpdir(), 'du-e2e-'));
      env = fakeGoogleEnv(fake.url, home);
      // Signed in beforehand by a headless agent in the same home (a consent page in a system
      // browser is not something a test can click).
      const paths = resolvePaths({ env });
      const hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
        socketTransport(paths.socketPath),
      ]);
      const attempt = await hosted.agent.auth.beginSignIn({ openBrowser: false });
      await followSignInUrl(attempt.url);
      await attempt.completion;
      await hosted.stop();
      app = await _electron.launch({
        executablePath: 'path' in binary ? binary.path : '',
        args: [ROOT],
        env: { ...(process.env as Record<string, string>), ...env },
      });
    });

    after(async () => {
      await app?.close().catch(() => undefined);
      await fake?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    /** Clicks a tray menu item, as a person would, through the last menu main set on the tray. */
    async function clickTrayItem(label: string): Promise<void> {
      await app.evaluate((_api, wanted) => {
        const menu = (globalThis as { __driveupTrayMenu?: Electron.Menu }).__driveupTrayMenu;
        const item = menu?.items.find((i) => i.label === wanted);
        if (!item) throw new Error(`no tray menu item "${wanted}"`);
        item.click();
      }, label);
    }

    async function pageFor(path: string, open: () => Promise<void>): Promise<Page> {
      const existing = app.windows().find((w) => w.url().startsWith(`app://driveup/${path}`));
      if (existing) return existing;
      const [page] = await Promise.all([
        app.waitForEvent('window', (w) => w.url().startsWith(`app://driveup/${path}`)),
        open(),
      ]);
      return page;
    }

    it('opens Activity from the menu, uploads a dropped file, finds it in History, quits', async () => {
      // Keep the menus main sets on the tray, then make it set one (a pause and a resume).
      await app.evaluate(({ Tray }) => {
        const set = Tray.prototype.setContextMenu;
        Tray.prototype.setContextMenu = function (menu) {
          (globalThis as { __driveupTrayMenu?: Electron.Menu | null }).__driveupTrayMenu = menu;
          return set.call(this, menu);
        };
      });
      const client = createSocketClient<AppRouter>(resolvePaths({ env }).socketPath, {
        waitForAgent: true,
      });
      await client.queue.pause.mutate({});
      await client.queue.resume.mutate();

      const activity = await pageFor('activity', () => clickTrayItem('Activity'));
      await activity.getByRole('button', { name: 'Pause all uploads' }).waitFor();

      const file = join(home, 'e2e-report.pdf');
      await writeFile(file, 'uploaded by the desktop app end to end');
      const upload = await pageFor('upload', () => clickTrayItem('Upload files…'));
      const done = new Promise<void>((resolve, reject) => {
        const subscription = client.events.subscribe(
          {},
          {
            onData: ({ data: event }) => {
              if (event.type !== 'job.done') return;
              subscription.unsubscribe();
              resolve();
            },
            onError: reject,
          },
        );
      });
      // A drop of a real file: the file input takes it with its path, as Finder or Explorer would.
      await upload.getByLabel('Choose files').setInputFiles(file);
      await done;
      assert.equal(fake.files().filter((f) => f.name === 'e2e-report.pdf').length, 1);

      const history = await pageFor('history', () => clickTrayItem('History'));
      await history.getByRole('searchbox', { name: 'Search uploads' }).fill('e2e-report');
      await history.getByText('e2e-report.pdf').first().waitFor();

      const closed = app.waitForEvent('close');
      await clickTrayItem(process.platform === 'darwin' ? 'Quit DriveUp' : 'Quit');
      await closed;
    });
  });
