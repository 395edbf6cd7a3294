import type * as Electron from 'electron';

/**
 * The part of Electron's main-process API that DriveUp's main uses, as a type: every module of
 * src/tray except the thin shell (main.ts, preload.ts) receives it as a parameter instead of
 * importing `electron`, so tests pass the recording stand-in (test/support/electron-standin) and
 * the compiler checks both the real module and the stand-in against this one list.
 *
 * Members are picked from Electron's own types (electron.d.ts), so their signatures are
 * Electron's. Objects that main only passes from one API to another (images, menus, message
 * ports, the web contents in an IPC event) keep Electron's full types.
 */
export interface ElectronMainApi {
  app: AppApi;
  BrowserWindow: new (options: Electron.BrowserWindowConstructorOptions) => BrowserWindowApi;
  Tray: new (image: Electron.NativeImage | string) => TrayApi;
  Menu: Pick<typeof Electron.Menu, 'buildFromTemplate'>;
  Notification: NotificationClass;
  MessageChannelMain: new () => Electron.MessageChannelMain;
  utilityProcess: { fork: ForkFn };
  ipcMain: IpcMainApi;
  protocol: Pick<Electron.Protocol, 'handle' | 'registerSchemesAsPrivileged'>;
  dialog: Pick<Electron.Dialog, 'showOpenDialog'>;
  shell: Pick<Electron.Shell, 'openPath' | 'openExternal'>;
  safeStorage: Pick<
    Electron.SafeStorage,
    | 'isAsyncEncryptionAvailable'
    | 'encryptStringAsync'
    | 'decryptStringAsync'
    | 'getSelectedStorageBackend'
  >;
  nativeImage: Pick<typeof Electron.nativeImage, 'createFromPath'>;
  screen: Pick<Electron.Screen, 'getPrimaryDisplay' | 'getAllDisplays'>;
}

/*
 * Event methods are written out for the events main listens to, with Electron's listener
 * signatures: picking Electron's own `on` would also pick its return type (`this`, the whole
 * class), which nothing but Electron can be.
 */

export type AppApi = Pick<
  Electron.App,
  | 'requestSingleInstanceLock'
  | 'whenReady'
  | 'quit'
  | 'exit'
  | 'setPath'
  | 'getLoginItemSettings'
  | 'setLoginItemSettings'
  | 'setAppUserModelId'
  | 'isPackaged'
  | 'dock'
> & {
  on(
    event: 'second-instance',
    listener: (
      event: Electron.Event,
      argv: string[],
      workingDirectory: string,
      additionalData: unknown,
    ) => void,
  ): unknown;
  on(event: 'open-file', listener: (event: Electron.Event, path: string) => void): unknown;
  on(event: 'before-quit', listener: (event: Electron.Event) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(
    event: 'web-contents-created',
    listener: (event: Electron.Event, webContents: Electron.WebContents) => void,
  ): unknown;
};

export type IpcMainApi = Pick<Electron.IpcMain, 'handle' | 'removeHandler'> & {
  on(
    channel: string,
    listener: (event: Electron.IpcMainEvent, ...args: unknown[]) => void,
  ): unknown;
  removeAllListeners(channel?: string): unknown;
};

export type WebContentsApi = Pick<
  Electron.WebContents,
  'id' | 'setWindowOpenHandler' | 'postMessage' | 'getURL' | 'isDestroyed'
> & {
  session: Pick<Electron.Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;
  mainFrame: FrameApi;
  on(
    event: 'will-navigate',
    listener: (details: Electron.Event<Electron.WebContentsWillNavigateEventParams>) => void,
  ): unknown;
  on(
    event: 'will-frame-navigate',
    listener: (details: Electron.Event<Electron.WebContentsWillFrameNavigateEventParams>) => void,
  ): unknown;
  on(
    event: 'will-attach-webview',
    listener: (
      event: Electron.Event,
      webPreferences: Electron.WebPreferences,
      params: Record<string, string>,
    ) => void,
  ): unknown;
};

export type FrameApi = Pick<Electron.WebFrameMain, 'url' | 'processId' | 'routingId'>;

export type BrowserWindowApi = Pick<
  Electron.BrowserWindow,
  | 'id'
  | 'loadURL'
  | 'show'
  | 'focus'
  | 'close'
  | 'isDestroyed'
  | 'isMinimized'
  | 'restore'
  | 'getNormalBounds'
> & {
  webContents: WebContentsApi;
  on(event: 'close', listener: (event: Electron.Event) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
};

export type TrayApi = Pick<
  Electron.Tray,
  'setImage' | 'setToolTip' | 'setContextMenu' | 'destroy'
> & {
  on(event: 'click', listener: (event: Electron.KeyboardEvent) => void): unknown;
  on(event: 'drop-files', listener: (event: Electron.Event, files: string[]) => void): unknown;
};

export type NotificationApi = Pick<Electron.Notification, 'show' | 'close'> & {
  on(event: 'click', listener: (event: Electron.Event) => void): unknown;
  on(
    event: 'action',
    listener: (details: Electron.Event<Electron.NotificationActionEventParams>) => void,
  ): unknown;
};

export interface NotificationClass {
  new (options?: Electron.NotificationConstructorOptions): NotificationApi;
  isSupported(): boolean;
}

export type UtilityProcessApi = Pick<Electron.UtilityProcess, 'postMessage' | 'kill' | 'pid'> & {
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
};

type ForkFn = (
  modulePath: string,
  args?: string[],
  options?: Electron.ForkOptions,
) => UtilityProcessApi;

/** The renderer-side API the preload uses. */
export interface ElectronPreloadApi {
  contextBridge: Pick<Electron.ContextBridge, 'exposeInMainWorld'>;
  ipcRenderer: Pick<Electron.IpcRenderer, 'send' | 'on' | 'invoke' | 'removeListener'>;
  webUtils: Pick<Electron.WebUtils, 'getPathForFile'>;
}

export type IpcMainEvent = Electron.IpcMainEvent;
export type IpcMainInvokeEvent = Electron.IpcMainInvokeEvent;
export type MessagePortMain = Electron.MessagePortMain;
export type MenuItemOptions = Electron.MenuItemConstructorOptions;
