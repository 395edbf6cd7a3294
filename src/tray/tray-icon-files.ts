/**
 * Which icon file the tray, the notifications and the windows use, by state and platform. Paths
 * are relative to the app's `assets/` folder; `npm run icons` writes every one of them (a test
 * walks these functions over every state and platform and checks the files exist).
 */
export const TRAY_ICON_STATES = ['idle', 'uploading', 'paused', 'attention', 'signed-out'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export interface IconPlatform {
  platform: NodeJS.Platform;
  /** The primary display's scale factor (Linux loads no `@2x` variant by itself). */
  scaleFactor: number;
  /** `XDG_CURRENT_DESKTOP`, e.g. `KDE` or `ubuntu:GNOME`. */
  desktop: string | undefined;
}

/**
 * - macOS: a template image (black and alpha), which the menu bar recolours for light and dark;
 *   Electron picks the `@2x` file beside it by itself.
 * - Windows: an .ico holding every size the taskbar asks for at 100–300 % scaling.
 * - Linux: one PNG at the panel's size: 22 px is KDE's, 24 px the AppIndicator default, 48 px
 *   for panels on a scaled display (Electron does not pick `@2x` files there).
 */
export function trayIconFile(state: TrayIconState, where: IconPlatform): string {
  if (where.platform === 'darwin') return `tray/${state}Template.png`;
  if (where.platform === 'win32') return `tray/${state}.ico`;
  if (where.scaleFactor >= 2) return `tray/${state}-48.png`;
  return /kde/i.test(where.desktop ?? '') ? `tray/${state}-22.png` : `tray/${state}-24.png`;
}

/** The windows' icon (taskbar, Alt-Tab) and the notifications' image. */
export function appIconFile(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'app/icon.ico' : 'app/icon-256.png';
}
