import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { AppApi } from './electron-api.ts';

/** Our own argv flag for a start by the login item (Windows, Linux); macOS tells us itself. */
export const LOGIN_FLAG = '--started-at-login';
const AUTOSTART_FILE = 'driveup.desktop';

export interface LoginItemOptions {
  platform: NodeJS.Platform;
  app: Pick<AppApi, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  /** What to run: the AppImage when there is one (`$APPIMAGE`), else the executable. */
  executable: string;
  /** Arguments before ours (the app's path when unpackaged). */
  args: readonly string[];
  /** Linux: `$XDG_CONFIG_HOME/autostart`. */
  autostartDir: string;
}

/**
 * Start at login (`desktop.startAtLogin`): the login item on macOS and Windows, an XDG autostart
 * entry on Linux (Electron's login item settings do nothing there).
 */
export async function applyStartAtLogin(
  enabled: boolean,
  options: LoginItemOptions,
): Promise<void> {
  const { platform, app } = options;
  if (platform === 'darwin') {
    app.setLoginItemSettings({ openAtLogin: enabled });
  } else if (platform === 'win32') {
    app.setLoginItemSettings({
      openAtLogin: enabled,
      path: options.executable,
      args: [...options.args, LOGIN_FLAG],
    });
  } else {
    const file = join(options.autostartDir, AUTOSTART_FILE);
    if (!enabled) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(options.autostartDir, { recursive: true });
    await writeFileAtomic(file, autostartEntry(options.executable, [...options.args, LOGIN_FLAG]));
  }
}

/** Started by the login item: then no window opens, the app just sits in the tray. */
export function startedAtLogin(
  platform: NodeJS.Platform,
  argv: readonly string[],
  app: Pick<AppApi, 'getLoginItemSettings'>,
): boolean {
  if (platform === 'darwin') return app.getLoginItemSettings().wasOpenedAtLogin;
  return argv.includes(LOGIN_FLAG);
}

/** An XDG autostart entry (Desktop Entry Specification 1.5). */
export function autostartEntry(executable: string, args: readonly string[]): string {
  const exec = [executable, ...args].map(execArgument).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=DriveUp',
    'Comment=Upload agent for Google Drive',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * One argument of `Exec`: quoted when it has reserved characters (with `"`, `` ` ``, `$` and `\`
 * escaped inside the quotes), `%` doubled, and then backslashes escaped once more because the
 * value is itself a string in the file.
 */
function execArgument(arg: string): string {
  const quoted = /^[\w\-./:=+,@]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replaceAll('%', '%%').replaceAll('\\', '\\\\');
}
