import { join } from 'node:path';
import { PassphraseCipher } from '../core/auth/passphrase-cipher.ts';
import type { DriveUpPaths } from '../core/config/paths.ts';
import { createFileLogger } from '../core/log/logger.ts';
import { socketTransport, webModeTransport } from '../ipc/server/agent-transports.ts';
import { serveAgent } from '../ipc/server/serve-agent.ts';

/**
 * `driveup agent`: the engine headless, with what this face chooses for its ports: tokens sealed
 * with DRIVEUP_SECRET_KEY when it is set (stored as they are, 0600, and a warning otherwise), the
 * log in files (and the terminal with `--foreground`), the Unix socket, and web mode when `--web`
 * or `web.enabled` asks for it.
 */
export function startHeadlessAgent(
  paths: DriveUpPaths,
  env: NodeJS.ProcessEnv,
  options: { foreground?: boolean; web?: boolean },
) {
  const passphrase = env.DRIVEUP_SECRET_KEY;
  return serveAgent(
    {
      paths,
      env,
      secretCipher: passphrase ? new PassphraseCipher(passphrase) : null,
      log: (level) =>
        createFileLogger({ stateDir: paths.stateDir, level, alsoStdout: options.foreground }),
    },
    [
      socketTransport(paths.socketPath),
      webModeTransport({ force: options.web, portFile: join(paths.dataDir, 'web-port') }),
    ],
  );
}
