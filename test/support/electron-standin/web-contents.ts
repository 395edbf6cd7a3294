import { EventEmitter } from 'node:events';
import type * as Electron from 'electron';
import type { BrowserWindowApi, FrameApi, WebContentsApi } from '../../../src/tray/electron-api.ts';
import type { StandinApp } from './app.ts';
import type { StandinMessagePort } from './message-ports.ts';
import { asStandinPort } from './message-ports.ts';

type PermissionRequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0];
type PermissionCheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0];
type Permission = Parameters<NonNullable<PermissionRequestHandler>>[1];

/** Electron's default session: one per app, shared by every window. */
export class StandinSession {
  requestHandler: PermissionRequestHandler = null;
  checkHandler: PermissionCheckHandler = null;

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.requestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.checkHandler = handler;
  }
}

export class StandinFrame implements FrameApi {
  url: string;
  readonly processId: number;
  readonly routingId: number;

  constructor(url: string, processId: number, routingId: number) {
    this.url = url;
    this.processId = processId;
    this.routingId = routingId;
  }
}

/** A message main sent to the renderer with `webContents.postMessage`. */
export interface RendererMessage {
  channel: string;
  message: unknown;
  ports: StandinMessagePort[];
}

let nextId = 1;

export class StandinWebContents extends EventEmitter implements WebContentsApi {
  readonly id = nextId++;
  readonly session: StandinSession;
  readonly mainFrame: StandinFrame;
  /** Everything main posted to this renderer, in order. */
  readonly received: RendererMessage[] = [];
  windowOpenHandler: Parameters<Electron.WebContents['setWindowOpenHandler']>[0] | undefined;
  #destroyed = false;

  constructor(session: StandinSession) {
    super();
    this.session = session;
    this.mainFrame = new StandinFrame('', 1000 + this.id, 1);
  }

  setWindowOpenHandler(handler: Parameters<Electron.WebContents['setWindowOpenHandler']>[0]) {
    this.windowOpenHandler = handler;
  }

  postMessage(channel: string, message: unknown, transfer: Electron.MessagePortMain[] = []): void {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    const entry = { channel, message, ports: transfer.map(asStandinPort) };
    this.received.push(entry);
    this.emit('standin:renderer-message', entry);
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }

  destroy(): void {
    this.#destroyed = true;
  }

  /** As a page's `location = url` would: returns true when main let the navigation happen. */
  navigate(url: string): boolean {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    this.emit('will-navigate', event, url);
    this.emit('will-frame-navigate', event);
    return !prevented;
  }

  /** As `window.open(url)` would: the action main's handler answered. */
  openWindow(url: string): 'allow' | 'deny' {
    if (!this.windowOpenHandler) return 'allow'; // Electron's default
    const details = {
      url,
      frameName: '',
      features: '',
      disposition: 'new-window',
      referrer: { url: this.getURL(), policy: 'strict-origin-when-cross-origin' },
    } satisfies Electron.HandlerDetails;
    return this.windowOpenHandler(details).action;
  }

  /** As a `<webview>` in the page would be attached: returns true when main let it. */
  attachWebview(src: string): boolean {
    let prevented = false;
    const webPreferences: Electron.WebPreferences = { nodeIntegration: true };
    this.emit('will-attach-webview', { preventDefault: () => (prevented = true) }, webPreferences, {
      src,
    });
    return !prevented;
  }

  /** A permission request from the page, answered by main's handler (granted without one). */
  requestPermission(permission: Permission): Promise<boolean> {
    const handler = this.session.requestHandler;
    if (!handler) return Promise.resolve(true); // Electron grants everything by default
    return new Promise((resolve) =>
      handler(this as unknown as Electron.WebContents, permission, resolve, {
        requestingUrl: this.getURL(),
        isMainFrame: true,
      }),
    );
  }

  checkPermission(permission: string): boolean {
    const handler = this.session.checkHandler;
    if (!handler) return true;
    return handler(
      this as unknown as Electron.WebContents,
      permission as Parameters<NonNullable<PermissionCheckHandler>>[1],
      new URL(this.getURL() || 'app://driveup/').origin,
      { isMainFrame: true, requestingUrl: this.getURL(), embeddingOrigin: '' },
    );
  }
}

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

let nextWindowId = 1;

/** A BrowserWindow that records its options and what is done to it; no page really loads. */
export class StandinBrowserWindow extends EventEmitter implements BrowserWindowApi {
  readonly id = nextWindowId++;
  readonly options: Electron.BrowserWindowConstructorOptions;
  readonly webContents: StandinWebContents;
  readonly loadedUrls: string[] = [];
  bounds: Bounds;
  visible: boolean;
  focused = false;
  minimized = false;
  #destroyed = false;
  readonly #app: StandinApp;

  constructor(app: StandinApp, options: Electron.BrowserWindowConstructorOptions = {}) {
    super();
    this.#app = app;
    this.options = options;
    this.webContents = new StandinWebContents(app.defaultSession);
    this.bounds = {
      x: options.x,
      y: options.y,
      width: options.width ?? 800,
      height: options.height ?? 600,
    };
    this.visible = options.show !== false;
    app.windows.add(this);
    app.emit('web-contents-created', { preventDefault() {} }, this.webContents);
  }

  async loadURL(url: string): Promise<void> {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    this.loadedUrls.push(url);
    this.webContents.mainFrame.url = url;
    queueMicrotask(() => this.emit('ready-to-show'));
  }

  show(): void {
    this.visible = true;
  }

  focus(): void {
    this.focused = true;
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
  }

  getNormalBounds(): Electron.Rectangle {
    return { x: this.bounds.x ?? 0, y: this.bounds.y ?? 0, ...this.bounds };
  }

  /** As a person would: moves or resizes the window. */
  setBounds(bounds: Bounds): void {
    this.bounds = { ...this.bounds, ...bounds };
  }

  /** As the close button: `close` (which can be prevented), then `closed`. */
  close(): void {
    if (this.#destroyed) return;
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.#destroyed = true;
    this.webContents.destroy();
    this.#app.windows.delete(this);
    this.emit('closed');
    this.#app.windowClosed();
  }
}
