import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where DriveUp keeps its files. */
export interface DriveUpPaths {
  /** settings.json lives here. */
  configDir: string;
  /** The local database, secrets and the agent's socket live here. */
  dataDir: string;
  /** Logs live here. */
  stateDir: string;
  settingsFile: string;
  databaseFile: string;
  logFile: string;
  secretsDir: string;
  /** Files a browser sent to the agent (web mode), kept until they are uploaded. */
  stagingDir: string;
  socketPath: string;
  /** Caches only DriveUp reads (Node's compile cache of the `driveup` bundle). */
  cacheDir: string;
}

export interface PathsInput {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * Resolves DriveUp's directories. Written by hand rather than with `env-paths` because we want
 * Electron's own conventions (one `Application Support/DriveUp` on macOS, `%APPDATA%\DriveUp` on
 * Windows), so the desktop app and the headless agent agree on one location.
 */
export function resolvePaths(input: PathsInput = {}): DriveUpPaths {
  const env = input.env ?? process.env;
  const platform = input.platform ?? process.platform;
  const home = input.home ?? homedir();
  const dirs = env.DRIVEUP_HOME
    ? underOneRoot(env.DRIVEUP_HOME)
    : platformDirs(platform, home, env);
  return { ...withFiles(dirs, platform, env), cacheDir: cacheDirFor(platform, home, env) };
}

/** Where a user's caches go on each platform (DRIVEUP_HOME keeps everything under one root). */
function cacheDirFor(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): string {
  if (env.DRIVEUP_HOME) return join(env.DRIVEUP_HOME, 'cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'DriveUp');
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'DriveUp', 'Cache');
  }
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'driveup');
}

type Dirs = Pick<DriveUpPaths, 'configDir' | 'dataDir' | 'stateDir'>;

function underOneRoot(root: string): Dirs {
  return { configDir: root, dataDir: join(root, 'data'), stateDir: join(root, 'logs') };
}

function platformDirs(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): Dirs {
  if (platform === 'darwin') {
    const base = join(home, 'Library', 'Application Support', 'DriveUp');
    return { configDir: base, dataDir: base, stateDir: join(home, 'Library', 'Logs', 'DriveUp') };
  }
  if (platform === 'win32') {
    const base = join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'DriveUp');
    return { configDir: base, dataDir: base, stateDir: join(base, 'logs') };
  }
  return {
    configDir: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'driveup'),
    dataDir: join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'driveup'),
    stateDir: join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'driveup'),
  };
}

function withFiles(
  dirs: Dirs,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): Omit<DriveUpPaths, 'cacheDir'> {
  return {
    ...dirs,
    settingsFile: join(dirs.configDir, 'settings.json'),
    databaseFile: join(dirs.dataDir, 'driveup.db'),
    logFile: join(dirs.stateDir, 'driveup.log'),
    secretsDir: join(dirs.dataDir, 'secrets'),
    stagingDir: join(dirs.dataDir, 'staging'),
    socketPath: socketPathFor(dirs.dataDir, platform, env),
  };
}

/** Windows has no Unix sockets in every setup; a named pipe per user and data directory is the norm. */
function socketPathFor(dataDir: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (platform !== 'win32') return join(dataDir, 'agent.sock');
  const user = (env.USERNAME ?? 'user').replace(/[^A-Za-z0-9_-]/g, '_');
  let hash = 0;
  for (const ch of dataDir.toLowerCase()) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `\\\\.\\pipe\\driveup-${user}-${hash.toString(16)}`;
}
