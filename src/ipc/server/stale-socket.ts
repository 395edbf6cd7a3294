import { lstat, unlink } from 'node:fs/promises';
import { probeSocket } from '../node/agent-probe.ts';
import { AgentAlreadyRunningError } from '../node/socket-errors.ts';
import { isNamedPipe } from '../node/socket-path.ts';

/**
 * Called when listening on `socketPath` failed with EADDRINUSE: removes a socket left behind by
 * an agent that died (a crash or SIGKILL skips the unlink that a clean close does), or throws
 * {@link AgentAlreadyRunningError} if an agent is alive there.
 *
 * Two agents starting at the same instant could both judge one stale socket dead; checking that
 * the file is still the one probed (same inode) before unlinking narrows that window, and the
 * single-instance lock of the tray app closes it there. A named pipe vanishes with its process,
 * so on Windows there is never anything to remove.
 */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  const pipe = isNamedPipe(socketPath);
  const before = pipe ? undefined : await statIfExists(socketPath);
  if (!pipe && !before) return;
  if (before && !before.isSocket()) {
    throw new Error(
      `${socketPath} exists and is not a socket. Move it away so that the agent can listen there.`,
    );
  }
  const occupant = await probeSocket(socketPath);
  if (occupant.kind === 'agent') throw new AgentAlreadyRunningError(socketPath, occupant.pid);
  if (occupant.kind === 'nothing' || !before) return;
  const now = await statIfExists(socketPath);
  if (!now || now.ino !== before.ino || now.dev !== before.dev) return;
  await unlink(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

async function statIfExists(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
