// The preload of every DriveUp window (shell: one of the two files of src/tray that import
// electron). Bundled to CommonJS, since sandboxed preloads cannot load ES modules.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createDesktopBridge } from './preload-bridge.ts';

contextBridge.exposeInMainWorld(
  'driveup',
  createDesktopBridge({ contextBridge, ipcRenderer, webUtils }, process.platform),
);
