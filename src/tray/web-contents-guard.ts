import type * as Electron from 'electron';
import { isAppUrl } from './app-protocol.ts';
import type { ElectronMainApi, WebContentsApi } from './electron-api.ts';

/**
 * The preferences of every DriveUp window: the page is isolated from the preload, sandboxed,
 * without Node, with the web's security on. `devTools` only in development.
 */
export function secureWebPreferences(preload: string, devTools: boolean): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

/**
 * Only these permissions are ever granted, and only to our own pages: "Copy link" in History and
 * Review writes to the clipboard. Everything else (camera, notifications, geolocation, …) is
 * refused; the desktop app's notifications come from main.
 */
const GRANTED_TO_PAGES = new Set(['clipboard-sanitized-write']);

/** Whether a link from a page may leave the app: only https, to the system browser. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Applied to every web contents the app makes: no navigation away from the page, no new windows
 * (an https link goes to the system browser instead), no `<webview>`, permissions refused.
 */
export function guardWebContents(
  contents: WebContentsApi,
  shell: Pick<ElectronMainApi['shell'], 'openExternal'>,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  });
  // Pages change views themselves; main's own loadURL does not pass through here.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(GRANTED_TO_PAGES.has(permission) && isAppUrl(details.requestingUrl)),
  );
  contents.session.setPermissionCheckHandler(
    (_contents, permission, _origin, details) =>
      GRANTED_TO_PAGES.has(permission) && isAppUrl(details.requestingUrl ?? ''),
  );
}
