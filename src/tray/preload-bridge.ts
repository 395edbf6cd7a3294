import type { DesktopBridge } from '../ipc/common/desktop-bridge.ts';
import { BRIDGE_CHANNELS } from './bridge-channels.ts';
import type { ElectronPreloadApi } from './electron-api.ts';

/**
 * The `window.driveup` object: the only thing a page can reach beyond itself. It keeps the
 * window's port to the agent in the preload's isolated world and exposes just connect, send and
 * receive on it, the path of a dropped file, the pickers (dialogs run in main) and the platform.
 * Nothing here passes Electron or Node objects to the page.
 */
export function createDesktopBridge(electron: ElectronPreloadApi, platform: string): DesktopBridge {
  const { ipcRenderer, webUtils } = electron;
  let port: MessagePort | undefined;
  const onMessage = new Set<(message: unknown) => void>();
  const onClose = new Set<() => void>();
  const waiting: Array<() => void> = [];

  const closed = (which: MessagePort) => {
    if (port !== which) return;
    port = undefined;
    for (const listener of onClose) listener();
  };

  ipcRenderer.on(BRIDGE_CHANNELS.port, (event: { ports: readonly MessagePort[] }) => {
    const next = event.ports[0];
    if (!next) return;
    const previous = port;
    port = next;
    previous?.close();
    next.onmessage = (message: MessageEvent) => {
      if (port === next) for (const listener of onMessage) listener(message.data);
    };
    // Chromium emits `close` on a port whose other end went away (the agent process died).
    next.addEventListener('close', () => closed(next));
    next.start();
    for (const resolve of waiting.splice(0)) resolve();
  });

  return {
    platform,
    connect() {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        ipcRenderer.send(BRIDGE_CHANNELS.connect);
      });
    },
    send(message: unknown) {
      if (!port) throw new Error('Not connected to the DriveUp agent: call connect() first');
      port.postMessage(message);
    },
    receive(messageListener, closeListener) {
      onMessage.add(messageListener);
      if (closeListener) onClose.add(closeListener);
      return () => {
        onMessage.delete(messageListener);
        if (closeListener) onClose.delete(closeListener);
      };
    },
    getPathForFile: (file: File) => webUtils.getPathForFile(file),
    pickFiles: async () => asPaths(await ipcRenderer.invoke(BRIDGE_CHANNELS.pickFiles)),
    pickFolder: async () =>
      asPaths(await ipcRenderer.invoke(BRIDGE_CHANNELS.pickFolder))[0] ?? null,
  };
}

function asPaths(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
}
