// `npm run package`: the desktop app for Linux (AppImage, deb), macOS (dmg) and Windows (nsis).
// electron-builder downloads Electron's binary for each target, so this runs only where that
// download works (a developer machine or a release job), not in CI.
import type { Configuration } from 'electron-builder';
import { flipReleaseFuses } from './release-fuses.ts';

const config: Configuration = {
  appId: 'app.driveup.desktop',
  productName: 'DriveUp',
  directories: { output: 'release', buildResources: 'packaging' },
  files: [
    'package.json',
    'dist/tray/**',
    'dist/windows/**',
    'assets/app/**',
    'assets/tray/**',
    '!**/*.map',
  ],
  asar: true,
  // Native addons cannot load from inside the archive: the watcher's prebuilt binary stays out.
  asarUnpack: ['**/node_modules/@parcel/watcher/**', '**/node_modules/@parcel/watcher-*/**'],
  afterPack: flipReleaseFuses,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Utility',
    icon: 'assets/app/icon-512.png',
    executableName: 'driveup-desktop',
    // Files opened with DriveUp arrive as paths (%F), queued to the default folder.
    executableArgs: ['%F'],
    synopsis: 'Upload agent for Google Drive',
  },
  mac: {
    target: 'dmg',
    icon: 'assets/app/icon-512.png',
    category: 'public.app-category.productivity',
    extendInfo: {
      // A menu-bar app: no Dock icon.
      LSUIElement: true,
      // "Open with DriveUp" for any file or folder (they arrive as `open-file`).
      CFBundleDocumentTypes: [
        {
          CFBundleTypeName: 'Any file',
          CFBundleTypeRole: 'Viewer',
          LSHandlerRank: 'Alternate',
          LSItemContentTypes: ['public.data', 'public.folder'],
        },
      ],
    },
  },
  dmg: {},
  win: { target: 'nsis', icon: 'assets/app/icon.ico' },
  nsis: {
    oneClick: false,
    perMachine: false,
    // Adds DriveUp to Explorer's "Send to" menu.
    include: 'packaging/installer.nsh',
  },
};

export default config;
