// The desktop app's agent process: what main's `utilityProcess.fork` runs (bundled by
// scripts/tray-bundles.ts to dist/tray/agent-process.js). The same host as `driveup agent`, with
// what the desktop chooses for its ports: tokens sealed by main with safeStorage over the parent
// port, the log in files, the ports main hands over, and the socket as well, so that `driveup`
// commands reach the desktop app's agent (and a second agent is refused, as headless).
import { join } from 'node:path';
import { resolvePaths } from '../../core/config/paths.ts';
import { createFileLogger } from '../../core/log/logger.ts';
import {
  runAgentProcess,
  utilityProcessParent,
  type UtilityParentPortLike,
} from './agent-process.ts';
import { socketTransport, webModeTransport } from './agent-transports.ts';
import { parentSecretCipher } from './parent-secret-cipher.ts';

const parentPort = (process as { parentPort?: UtilityParentPortLike }).parentPort;
if (!parentPort) {
  process.stderr.write(
    'The agent process is started by the DriveUp desktop app; run `driveup agent` instead.\n',
  );
  process.exit(2);
}
const env = process.env;
const paths = resolvePaths({ env });
const parent = utilityProcessParent(parentPort);
try {
  const running = await runAgentProcess({
    parent,
    agent: {
      paths,
      env,
      secretCipher: parentSecretCipher(parent),
      log: (level) => createFileLogger({ stateDir: paths.stateDir, level }),
    },
    transports: [
      socketTransport(paths.socketPath),
      // Inert unless `web.enabled` is set, as for `driveup agent`.
      webModeTransport({ portFile: join(paths.dataDir, 'web-port') }),
    ],
  });
  await running.stopped;
  // Electron's parent port would keep the process alive: it ends once the agent has stopped.
  process.exit(0);
} catch (error) {
  // Main has been told (`failed`, with the message); this is for the log main keeps of our output.
  process.stderr.write(
    `DriveUp's agent could not start: ${(error as Error)?.message ?? String(error)}\n`,
  );
  process.exit(1);
}
