import { EventEmitter } from 'node:events';
import type * as Electron from 'electron';
import type { AppApi } from '../../../src/tray/electron-api.ts';
import type { StandinBrowserWindow } from './web-contents.ts';
import { StandinSession } from './web-contents.ts';

/** Primary instances by user-data directory: the single-instance lock, across stand-ins. */
const locks = new Map<string, StandinApp>();

export interface StandinAppOptions {
  userData: string;
  isPackaged: boolean;
  platform: NodeJS.Platform;
  /** What `getLoginItemSettings().wasOpenedAtLogin` says (macOS). */
  openedAtLogin: boolean;
}

/**
 * Electron's `app`: lifecycle events in Electron's order, the single-instance lock keyed by the
 * user-data directory, the login item, quitting. `ready` comes on the turn after the first
 * `whenReady()`, so a test can emit `open-file` before it, as macOS does.
 */
export class StandinApp extends EventEmitter implements AppApi {
  readonly isPackaged: boolean;
  readonly dock: Electron.Dock | undefined;
  readonly defaultSession = new StandinSession();
  readonly windows = new Set<StandinBrowserWindow>();
  readonly paths = new Map<string, string>();
  loginItem: Electron.Settings = {};
  appUserModelId: string | undefined;
  dockHidden = false;
  #ready = false;
  #readyPromise: Promise<void> | undefined;
  #quitting = false;
  #quit: { resolve: (code: number) => void; promise: Promise<number> };
  readonly #options: StandinAppOptions;

  constructor(options: StandinAppOptions) {
    super();
    this.#options = options;
    this.isPackaged = options.isPackaged;
    this.paths.set('userData', options.userData);
    let resolve!: (code: number) => void;
    const promise = new Promise<number>((r) => (resolve = r));
    this.#quit = { resolve, promise };
    this.dock =
      options.platform === 'darwin'
        ? ({ hide: () => void (this.dockHidden = true) } as unknown as Electron.Dock)
        : undefined;
  }

  /** Resolves with the exit code once the app has quit (after `will-quit`) or exited. */
  get quitted(): Promise<number> {
    return this.#quit.promise;
  }

  isReady(): boolean {
    return this.#ready;
  }

  whenReady(): Promise<void> {
    this.#readyPromise ??= new Promise((resolve) =>
      setImmediate(() => {
        this.#ready = true;
        this.emit('ready', { preventDefault() {} }, {});
        resolve();
      }),
    );
    return this.#readyPromise;
  }

  setPath(name: string, path: string): void {
    if (name === 'userData' && this.#ready)
      throw new Error('the user data path must be set before the app is ready');
    this.paths.set(name, path);
  }

  /**
   * The first app per user-data directory gets the lock; a later one gets false, and the first
   * one's `second-instance` carries the later one's `additionalData` as JSON, as in Electron.
   */
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    const key = this.paths.get('userData')!;
    const primary = locks.get(key);
    if (primary && primary !== this && !primary.#quitting) {
      const data: unknown = JSON.parse(JSON.stringify(additionalData ?? {}));
      const deliver = () =>
        primary.emit('second-instance', { preventDefault() {} }, ['driveup'], '/', data);
      if (primary.#ready) setImmediate(deliver);
      else void primary.whenReady().then(deliver);
      return false;
    }
    locks.set(key, this);
    return true;
  }

  getLoginItemSettings(): Electron.LoginItemSettings {
    return {
      openAtLogin: this.loginItem.openAtLogin ?? false,
      wasOpenedAtLogin: this.#options.openedAtLogin,
      status: this.loginItem.openAtLogin ? 'enabled' : 'not-registered',
      executableWillLaunchAtLogin: this.loginItem.openAtLogin ?? false,
      launchItems: [],
    };
  }

  setLoginItemSettings(settings: Electron.Settings): void {
    this.loginItem = { ...settings };
  }

  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }

  /** `before-quit` (can be prevented), then windows close, `will-quit`, `quit`. */
  quit(): void {
    if (this.#quitting) return;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.#quitting = true;
    for (const window of [...this.windows]) window.close();
    this.emit('will-quit', { preventDefault() {} });
    this.emit('quit', { preventDefault() {} }, 0);
    this.#release();
    this.#quit.resolve(0);
  }

  exit(exitCode = 0): void {
    this.#quitting = true;
    this.#release();
    this.#quit.resolve(exitCode);
  }

  /** Electron quits when the last window closes, unless someone listens for this. */
  windowClosed(): void {
    if (this.windows.size > 0 || this.#quitting) return;
    if (this.listenerCount('window-all-closed') === 0) this.quit();
    else this.emit('window-all-closed');
  }

  #release(): void {
    const key = this.paths.get('userData')!;
    if (locks.get(key) === this) locks.delete(key);
  }
}
