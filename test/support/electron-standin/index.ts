import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Electron from 'electron';
import type { ElectronMainApi } from '../../../src/tray/electron-api.ts';
import { StandinApp } from './app.ts';
import { rendererFor, StandinIpcMain } from './ipc.ts';
import { StandinMessageChannelMain } from './message-ports.ts';
import { createFromPath } from './native-image.ts';
import {
  notificationClass,
  StandinMenu,
  StandinTray,
  type ShownNotification,
} from './tray-menu-notification.ts';
import { StandinUtilityProcess, type ForkRecord } from './utility-process.ts';
import { StandinBrowserWindow } from './web-contents.ts';

export { StandinApp } from './app.ts';
export { StandinBrowserWindow, StandinWebContents, StandinFrame } from './web-contents.ts';
export { StandinTray, StandinMenu, StandinNotification } from './tray-menu-notification.ts';
export { StandinUtilityProcess } from './utility-process.ts';

export interface StandinOptions {
  platform?: NodeJS.Platform;
  /** Electron's user-data directory: apps sharing one are one instance (the lock). */
  userData?: string;
  isPackaged?: boolean;
  openedAtLogin?: boolean;
  notificationsSupported?: boolean;
  scaleFactor?: number;
  /** `safeStorage.getSelectedStorageBackend()`; `basic_text` is Linux without a keyring. */
  storageBackend?: ReturnType<Electron.SafeStorage['getSelectedStorageBackend']>;
}

export type ElectronStandin = ReturnType<typeof createElectronStandin>;

/**
 * A recording stand-in for the parts of Electron main uses (see DIFFERENCES.md). `electron` is
 * what main receives; the rest is for the test to look at what main did and to act as a person,
 * the OS or a page would.
 */
export function createElectronStandin(options: StandinOptions = {}) {
  const platform = options.platform ?? 'linux';
  const app = new StandinApp({
    userData: options.userData ?? mkdtempSync(join(tmpdir(), 'du-electron-')),
    isPackaged: options.isPackaged ?? false,
    platform,
    openedAtLogin: options.openedAtLogin ?? false,
  });
  const trays: StandinTray[] = [];
  const notifications: ShownNotification[] = [];
  const forks: ForkRecord[] = [];
  const ipcMain = new StandinIpcMain();
  const record = {
    privilegedSchemes: [] as Electron.CustomScheme[],
    protocolHandlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
    dialogs: [] as Electron.OpenDialogOptions[],
    dialogAnswers: [] as Electron.OpenDialogReturnValue[],
    openedPaths: [] as string[],
    openedExternal: [] as string[],
  };
  const backend = options.storageBackend ?? 'gnome_libsecret';

  const electron = {
    app,
    BrowserWindow: class extends StandinBrowserWindow {
      constructor(windowOptions: Electron.BrowserWindowConstructorOptions) {
        if (!app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready');
        super(app, windowOptions);
      }
    },
    Tray: class extends StandinTray {
      constructor(image: Electron.NativeImage | string) {
        if (!app.isReady()) throw new Error('Cannot create Tray before app is ready');
        super(image);
        trays.push(this);
      }
    },
    Menu: { buildFromTemplate: StandinMenu.buildFromTemplate },
    Notification: notificationClass(notifications, options.notificationsSupported ?? true),
    MessageChannelMain: StandinMessageChannelMain,
    utilityProcess: {
      fork(modulePath: string, args: string[] = [], forkOptions: Electron.ForkOptions = {}) {
        if (!app.isReady()) throw new Error('utilityProcess cannot be forked before app ready');
        const child = new StandinUtilityProcess(modulePath, args, forkOptions);
        forks.push({ modulePath, args, options: forkOptions, process: child });
        return child;
      },
    },
    ipcMain,
    protocol: {
      registerSchemesAsPrivileged(schemes: Electron.CustomScheme[]) {
        if (app.isReady())
          throw new Error('protocol.registerSchemesAsPrivileged must be called before ready');
        record.privilegedSchemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Response | Promise<Response>) {
        if (!app.isReady()) throw new Error('protocol.handle must be called after ready');
        record.protocolHandlers.set(scheme, handler);
      },
    },
    dialog: {
      async showOpenDialog(...args: unknown[]): Promise<Electron.OpenDialogReturnValue> {
        record.dialogs.push(args.at(-1) as Electron.OpenDialogOptions);
        return record.dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
      },
    },
    shell: {
      async openPath(path: string) {
        record.openedPaths.push(path);
        return '';
      },
      async openExternal(url: string) {
        record.openedExternal.push(url);
      },
    },
    safeStorage: {
      isAsyncEncryptionAvailable: async () => app.isReady(),
      encryptStringAsync: async (plainText: string) => fakeEncrypt(plainText),
      decryptStringAsync: async (encrypted: Buffer) => ({
        result: fakeDecrypt(encrypted),
        shouldReEncrypt: false,
      }),
      getSelectedStorageBackend: () => (app.isReady() ? backend : 'unknown'),
    },
    nativeImage: { createFromPath },
    screen: {
      getPrimaryDisplay: () => display(options.scaleFactor ?? 1),
      getAllDisplays: () => [display(options.scaleFactor ?? 1)],
    },
  } satisfies ElectronMainApi;

  return {
    electron,
    app,
    platform,
    trays,
    notifications,
    forks,
    ipcMain,
    record,
    /** Open windows, in the order they were made. */
    windows: () => [...app.windows],
    /** The renderer side of a window, for running the preload against it. */
    renderer: (window: StandinBrowserWindow, file: (file: File) => string = () => '') =>
      rendererFor(ipcMain, window.webContents, file),
    /** Asks the handler main registered for the URL's scheme, as a page load would. */
    async fetch(url: string): Promise<Response> {
      const handler = record.protocolHandlers.get(new URL(url).protocol.replace(/:$/, ''));
      if (!handler) throw new Error(`no protocol handler for ${url}`);
      return handler(new Request(url));
    },
  };
}

/** Reversible and visibly not plain text; enough to tell encrypted bytes from the secret. */
const MAGIC = Buffer.from('standin-safeStorage:');
function fakeEncrypt(plainText: string): Buffer {
  const bytes = Buffer.from(plainText, 'utf8').map((b) => b ^ 0x5a);
  return Buffer.concat([MAGIC, bytes]);
}
function fakeDecrypt(encrypted: Buffer): string {
  if (!encrypted.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
  return Buffer.from(encrypted.subarray(MAGIC.length).map((b) => b ^ 0x5a)).toString('utf8');
}

function display(scaleFactor: number): Electron.Display {
  const bounds = { x: 0, y: 0, width: 1920, height: 1080 };
  return {
    id: 1,
    bounds,
    workArea: { x: 0, y: 32, width: 1920, height: 1048 },
    workAreaSize: { width: 1920, height: 1048 },
    size: { width: 1920, height: 1080 },
    scaleFactor,
    label: 'stand-in display',
    internal: true,
    detected: true,
    rotation: 0,
    monochrome: false,
    colorDepth: 24,
    colorSpace: '',
    depthPerComponent: 8,
    displayFrequency: 60,
    accelerometerSupport: 'unknown',
    touchSupport: 'unknown',
    maximumCursorSize: { width: 0, height: 0 },
    nativeOrigin: { x: 0, y: 0 },
  };
}
