import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import { join } from 'node:path';

/**
 * Electron's fuses, flipped in the packaged binary of every release: features a DriveUp build
 * never uses, which would otherwise let anyone who can start the app run code as it.
 */
export const RELEASE_FUSES = {
  version: FuseVersion.V1,
  // `ELECTRON_RUN_AS_NODE=1 DriveUp script.js` would run any script as DriveUp.
  [FuseV1Options.RunAsNode]: false,
  // NODE_OPTIONS could preload code into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect and friends would open a debugger port into the main process.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The app's code only from its ASAR archive, and that archive as it was signed.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // The windows are served from app://, never file://.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  // An ad-hoc signature on macOS (arm64) is invalid once the binary changes: sign it again.
  resetAdHocDarwinSignature: true,
} satisfies FuseV1Config;

/** What electron-builder's afterPack hook receives, as far as the fuses need it. */
export interface PackedApp {
  appOutDir: string;
  electronPlatformName: string;
  /** `executableName` is the Linux packager's (`linux.executableName`). */
  packager: { executableName?: string; appInfo: { productFilename: string } };
}

/** The Electron binary that carries the fuses, in a packed (not yet archived) app. */
export function packedElectronBinary(context: PackedApp): string {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas')
    return join(appOutDir, `${name}.app`);
  if (electronPlatformName === 'win32') return join(appOutDir, `${name}.exe`);
  return join(appOutDir, packager.executableName ?? name.toLowerCase());
}

/** electron-builder's afterPack hook: flips the release fuses before the app is archived. */
export async function flipReleaseFuses(context: PackedApp): Promise<void> {
  await flipFuses(packedElectronBinary(context), RELEASE_FUSES);
}
