import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { ElectronMainApi } from '../../../src/tray/electron-api.ts';
import { createElectronStandin } from './index.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The stand-in behaves as Electron does where main relies on it (see DIFFERENCES.md). */
describe('the Electron stand-in', () => {
  it('has the shape of the Electron API main uses', () => {
    expectTypeOf(createElectronStandin().electron).toExtend<ElectronMainApi>();
  });

  it('quits when the last window closes, unless someone listens for window-all-closed', async () => {
    const standin = createElectronStandin();
    await standin.app.whenReady();
    new standin.electron.BrowserWindow({}).close();
    expect(await standin.app.quitted).toBe(0);
  });

  it('gives the lock to one app per user-data directory and hands the second one’s data over', async () => {
    const userData = await mkdtemp(join(tmpdir(), 'du-lock-'));
    dirs.push(userData);
    const first = createElectronStandin({ userData });
    const second = createElectronStandin({ userData });
    expect(first.app.requestSingleInstanceLock({ files: [] })).toBe(true);
    const handed = new Promise<unknown>((resolve) =>
      first.app.on('second-instance', (_event, _argv, _cwd, data) => resolve(data)),
    );
    expect(second.app.requestSingleInstanceLock({ files: ['/a'] })).toBe(false);
    await first.app.whenReady();
    expect(await handed).toEqual({ files: ['/a'] });
    first.app.quit();
  });

  it('refuses what Electron refuses before and after ready', async () => {
    const standin = createElectronStandin();
    expect(() => new standin.electron.Tray('x')).toThrow(/before app is ready/);
    await standin.app.whenReady();
    expect(() => standin.electron.protocol.registerSchemesAsPrivileged([])).toThrow(/before ready/);
    expect(() => standin.electron.nativeImage.createFromPath('/no/such.png')).toThrow(/no image/);
  });

  it('runs a utility process for real and carries ports to it, and their closing back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'du-up-'));
    dirs.push(dir);
    const module = join(dir, 'echo.mjs');
    await writeFile(
      module,
      `process.parentPort.on('message', ({ data, ports: [port] }) => {
         if (data === 'exit') process.exit(7);
         port.on('message', ({ data }) => port.postMessage({ got: data, argv: process.execArgv }));
         port.start();
       });`,
    );
    const standin = createElectronStandin();
    await standin.app.whenReady();
    const child = standin.electron.utilityProcess.fork(module, [], {
      execArgv: ['--max-semi-space-size=8'],
    });
    const { port1, port2 } = new standin.electron.MessageChannelMain();
    child.postMessage('here is a port', [port2]);
    const answer = new Promise<unknown>((resolve) => port1.once('message', (e) => resolve(e.data)));
    port1.start();
    port1.postMessage('ping');
    expect(await answer).toEqual({ got: 'ping', argv: ['--max-semi-space-size=8'] });
    const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
    const { port2: another } = new standin.electron.MessageChannelMain();
    child.postMessage('exit', [another]);
    expect(await standin.forks[0]!.process.exited).toBe(7);
    await closed;
  });
});
