import { join } from 'node:path';

/** Where the app's own files are, under the app's root (the ASAR archive when packaged). */
export interface AppFiles {
  preload: string;
  pages: string;
  assets: string;
  agentEntry: string;
}

export function appFiles(appRoot: string): AppFiles {
  return {
    preload: join(appRoot, 'dist', 'tray', 'preload.cjs'),
    pages: join(appRoot, 'dist', 'windows'),
    assets: join(appRoot, 'assets'),
    agentEntry: join(appRoot, 'dist', 'tray', 'agent-process.js'),
  };
}
