import { afterEach, describe, expect, it } from 'vitest';
import type { DesktopBridge } from '../../src/ipc/common/desktop-bridge.ts';
import { runPreload, startTrayHarness, type TrayHarness } from './tray-harness.ts';

let harnesses: TrayHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});

describe('the preload', () => {
  it('exposes one window.driveup object with only the bridge, and it reaches the agent', async () => {
    const harness = await startTrayHarness();
    harnesses.push(harness);
    await harness.nextClient();
    harness.app!.windows.open('upload');
    const window = harness.standin.windows().find((w) => w.loadedUrls[0]?.endsWith('/upload'))!;
    const mainWorld = await runPreload(harness.standin, window, harness.files.preload);

    expect(Object.keys(mainWorld)).toEqual(['driveup']);
    const bridge = mainWorld.driveup as DesktopBridge;
    expect(Object.keys(bridge).sort()).toEqual([
      'connect',
      'getPathForFile',
      'pickFiles',
      'pickFolder',
      'platform',
      'receive',
      'send',
    ]);
    expect(bridge.platform).toBe('linux');
    expect(() => bridge.send('too early')).toThrow(/connect\(\) first/);

    await bridge.connect();
    const answer = new Promise<unknown>((resolve) => bridge.receive(resolve));
    bridge.send({ hello: 'agent' });
    expect(await answer).toMatchObject({ echo: { hello: 'agent' }, client: 'upload' });

    expect(bridge.getPathForFile(new File(['x'], 'scan.tif'))).toBe('/home/ada/scan.tif');
    harness.standin.record.dialogAnswers.push({ canceled: false, filePaths: ['/a', '/b'] });
    expect(await bridge.pickFiles()).toEqual(['/a', '/b']);
    expect(await bridge.pickFolder()).toBeNull(); // cancelled
    expect(harness.standin.record.dialogs.map((d) => d.properties)).toEqual([
      ['openFile', 'multiSelections'],
      ['openDirectory'],
    ]);

    // The agent process dies: the page hears that its port closed, and can connect again.
    const closed = new Promise<void>((resolve) => bridge.receive(() => {}, resolve));
    harness.standin.forks[0]!.process.child.kill('SIGKILL');
    await closed;
    await harness.nextClient();
    await bridge.connect();
    const again = new Promise<unknown>((resolve) => bridge.receive(resolve));
    bridge.send('again');
    expect(await again).toMatchObject({ echo: 'again' });
  });
});
