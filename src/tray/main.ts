// The desktop app's main process (shell: with preload.ts, the only files of src/tray that import
// electron). Everything it does is in tray-app.ts, which takes Electron's API as a parameter.
import * as electron from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../cli/node-flags.ts';
import { resolvePaths } from '../core/config/paths.ts';
import { systemClock } from '../core/queue/clock.ts';
import { createAgentConnector } from './agent-connector.ts';
import { appFiles } from './app-files.ts';
import type { ElectronMainApi } from './electron-api.ts';
import { startTrayApp } from './tray-app.ts';

const { app } = electron;
const env = process.env;

await startTrayApp({
  electron: electron satisfies ElectronMainApi,
  platform: process.platform,
  env,
  argv: process.argv,
  cwd: process.cwd(),
  paths: resolvePaths({ env }),
  files: appFiles(app.getAppPath()),
  agentExecArgv: NODE_FLAGS,
  connector: createAgentConnector(),
  clock: systemClock,
  log: console,
  autostartDir: join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart'),
  // An AppImage runs from a temporary mount: the login item must start the AppImage itself.
  executable: env.APPIMAGE ?? process.execPath,
  executableArgs: app.isPackaged ? [] : [app.getAppPath()],
});
