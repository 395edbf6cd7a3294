import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ELECTRON_PACKAGE = join(import.meta.dirname, '..', '..', 'node_modules', 'electron');

/** Where each platform's Electron distribution has its executable. */
function executableIn(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return platform === 'win32' ? 'electron.exe' : 'electron';
}

/**
 * The Electron binary to launch, found as the `electron` package finds it, or why there is none.
 * Never `require('electron')` here: without a binary that starts a download.
 */
export function findElectronBinary(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): { path: string } | { missing: string } {
  const pathFile = join(ELECTRON_PACKAGE, 'path.txt');
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const path = override
    ? join(override, recorded ?? executableIn(platform))
    : recorded && join(ELECTRON_PACKAGE, 'dist', recorded);
  if (path && existsSync(path)) return { path };
  return {
    missing: override
      ? `no Electron executable at ${path} (ELECTRON_OVERRIDE_DIST_PATH)`
      : 'no Electron binary: it was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD) and ELECTRON_OVERRIDE_DIST_PATH is not set',
  };
}
