import { EventEmitter } from 'node:events';
import type * as Electron from 'electron';
import type { ElectronPreloadApi, IpcMainApi } from '../../../src/tray/electron-api.ts';
import type { StandinFrame, StandinWebContents } from './web-contents.ts';

type Handler = (event: Electron.IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** ipcMain: listeners and handlers, reached from a window's renderer stand-in. */
export class StandinIpcMain extends EventEmitter implements IpcMainApi {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** `ipcRenderer.send` from `sender`, from its main frame unless another frame is given. */
  sendFrom(sender: StandinWebContents, channel: string, args: unknown[], frame?: StandinFrame) {
    this.emit(channel, ipcEvent(sender, frame), ...args);
  }

  /** `ipcRenderer.invoke` from `sender`. */
  async invokeFrom(
    sender: StandinWebContents,
    channel: string,
    args: unknown[],
    frame?: StandinFrame,
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(ipcEvent(sender, frame) as Electron.IpcMainInvokeEvent, ...args);
  }
}

function ipcEvent(sender: StandinWebContents, frame?: StandinFrame): Electron.IpcMainEvent {
  const senderFrame = frame ?? sender.mainFrame;
  return {
    sender,
    senderFrame,
    frameId: senderFrame.routingId,
    processId: senderFrame.processId,
    ports: [],
    returnValue: undefined,
    reply: () => {},
    preventDefault: () => {},
  } as unknown as Electron.IpcMainEvent;
}

/**
 * The renderer side of one window for the preload: `contextBridge` puts what the preload exposes
 * into `mainWorld`, `ipcRenderer` talks to the stand-in's ipcMain as this window's main frame,
 * and messages main posts to the window reach `ipcRenderer.on` listeners with their ports.
 */
export function rendererFor(
  ipcMain: StandinIpcMain,
  webContents: StandinWebContents,
  file: (file: File) => string,
): ElectronPreloadApi & { mainWorld: Record<string, unknown> } {
  const mainWorld: Record<string, unknown> = {};
  const listeners = new EventEmitter();
  webContents.on('standin:renderer-message', ({ channel, message, ports }) => {
    // In the renderer the ports are DOM MessagePorts: worker_threads ports have the same API.
    listeners.emit(
      channel,
      { sender: {}, ports: ports.map((p: { raw: unknown }) => p.raw) },
      message,
    );
  });
  const ipcRenderer = {
    send: (channel: string, ...args: unknown[]) => ipcMain.sendFrom(webContents, channel, args),
    invoke: (channel: string, ...args: unknown[]) => ipcMain.invokeFrom(webContents, channel, args),
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
      listeners.on(channel, listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
      listeners.removeListener(channel, listener);
      return ipcRenderer;
    },
  };
  return {
    mainWorld,
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        if (key in mainWorld) throw new Error(`Cannot bind an API on top of an existing property`);
        mainWorld[key] = api;
      },
    },
    ipcRenderer: ipcRenderer as unknown as ElectronPreloadApi['ipcRenderer'],
    webUtils: { getPathForFile: file },
  };
}
