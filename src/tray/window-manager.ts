import type * as Electron from 'electron';
import { pageUrl } from './app-protocol.ts';
import type { BrowserWindowApi, ElectronMainApi, WebContentsApi } from './electron-api.ts';
import { secureWebPreferences } from './web-contents-guard.ts';
import type { WindowBounds, WindowStateStore } from './window-state-store.ts';

export const WINDOW_KINDS = [
  'upload',
  'activity',
  'history',
  'signin',
  'settings',
  'review',
] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

const TITLES: Record<WindowKind, string> = {
  upload: 'Upload files — DriveUp',
  activity: 'Activity — DriveUp',
  history: 'History — DriveUp',
  signin: 'Sign in — DriveUp',
  settings: 'Settings — DriveUp',
  review: 'Review — DriveUp',
};

/** The design's sizes: Upload usable at 400 × 500, the others at 720 × 520. */
const DEFAULT_SIZES: Record<WindowKind, { width: number; height: number }> = {
  upload: { width: 420, height: 540 },
  activity: { width: 760, height: 560 },
  history: { width: 760, height: 560 },
  signin: { width: 520, height: 560 },
  settings: { width: 760, height: 600 },
  review: { width: 720, height: 560 },
};
const MIN_SIZES: Record<WindowKind, { width: number; height: number }> = {
  upload: { width: 400, height: 500 },
  activity: { width: 720, height: 520 },
  history: { width: 720, height: 520 },
  signin: { width: 400, height: 480 },
  settings: { width: 720, height: 520 },
  review: { width: 720, height: 520 },
};

export interface WindowManagerOptions {
  electron: Pick<ElectronMainApi, 'BrowserWindow' | 'screen'>;
  preloadPath: string;
  /** The windows' icon on Windows and Linux (macOS uses the app's). */
  iconPath: string | undefined;
  devTools: boolean;
  states: WindowStateStore;
  /** Locks down a window's web contents (navigation, new windows, permissions). */
  guard: (contents: WebContentsApi) => void;
}

interface OpenWindow {
  kind: WindowKind;
  window: BrowserWindowApi;
  url: string;
}

/**
 * One window per kind, made when first asked for, destroyed when closed (a tray app should not
 * hold renderers nobody looks at), back where it was and as big as it was.
 */
export class WindowManager {
  readonly #options: WindowManagerOptions;
  readonly #open = new Map<WindowKind, OpenWindow>();

  constructor(options: WindowManagerOptions) {
    this.#options = options;
  }

  /** Shows the window of this kind, making it if needed; a new query (Review's batch) reloads it. */
  open(kind: WindowKind, query: Record<string, string> = {}): BrowserWindowApi {
    const url = pageUrl(kind, query);
    const existing = this.#open.get(kind);
    if (existing && !existing.window.isDestroyed()) {
      if (Object.keys(query).length > 0 && existing.url !== url) {
        existing.url = url;
        void existing.window.loadURL(url);
      }
      if (existing.window.isMinimized()) existing.window.restore();
      existing.window.show();
      existing.window.focus();
      return existing.window;
    }
    return this.#create(kind, url);
  }

  /** The kind of the window whose web contents have this id; undefined for anything else. */
  kindOf(webContentsId: number): WindowKind | undefined {
    for (const open of this.#open.values())
      if (!open.window.isDestroyed() && open.window.webContents.id === webContentsId)
        return open.kind;
    return undefined;
  }

  get(kind: WindowKind): BrowserWindowApi | undefined {
    return this.#open.get(kind)?.window;
  }

  all(): BrowserWindowApi[] {
    return [...this.#open.values()].map((open) => open.window);
  }

  /** Closes every window and resolves once their places are written (the app is quitting). */
  async closeAll(): Promise<void> {
    for (const open of [...this.#open.values()]) open.window.close();
    await this.#options.states.idle();
  }

  #create(kind: WindowKind, url: string): BrowserWindowApi {
    const { electron, preloadPath, iconPath, devTools, states, guard } = this.#options;
    const bounds = this.#placement(kind);
    const options: Electron.BrowserWindowConstructorOptions = {
      ...bounds,
      minWidth: MIN_SIZES[kind].width,
      minHeight: MIN_SIZES[kind].height,
      title: TITLES[kind],
      show: false,
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(preloadPath, devTools),
    };
    if (iconPath) options.icon = iconPath;
    const window = new electron.BrowserWindow(options);
    guard(window.webContents);
    const open: OpenWindow = { kind, window, url };
    this.#open.set(kind, open);
    window.once('ready-to-show', () => {
      window.show();
      window.focus();
    });
    window.on('close', () => void states.remember(kind, window.getNormalBounds()));
    window.on('closed', () => {
      if (this.#open.get(kind) === open) this.#open.delete(kind);
    });
    void window.loadURL(url);
    return window;
  }

  /** The remembered place if it is still on a screen (displays come and go), else centred. */
  #placement(kind: WindowKind): WindowBounds {
    const remembered = this.#options.states.get(kind);
    const min = MIN_SIZES[kind];
    const size = remembered
      ? {
          width: Math.max(remembered.width, min.width),
          height: Math.max(remembered.height, min.height),
        }
      : DEFAULT_SIZES[kind];
    if (remembered?.x === undefined || remembered.y === undefined) return size;
    const visible = this.#options.electron.screen
      .getAllDisplays()
      .some(({ workArea }) => overlaps(workArea, { ...size, x: remembered.x!, y: remembered.y! }));
    return visible ? { ...size, x: remembered.x, y: remembered.y } : size;
  }
}

/** At least a 64 px square of the window's top edge on the display, so it can be dragged back. */
function overlaps(area: Electron.Rectangle, window: Required<WindowBounds>): boolean {
  const left = Math.max(area.x, window.x);
  const right = Math.min(area.x + area.width, window.x + window.width);
  const top = Math.max(area.y, window.y);
  const bottom = Math.min(area.y + area.height, window.y + 64);
  return right - left >= 64 && bottom - top >= 32;
}
