import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes `dir` a directory only its owner can enter (0700), creating it if needed.
 *
 * This, not the socket's own mode, is what keeps other users out: some systems ignore the
 * permission bits of a socket file, none lets a user connect through a directory they cannot
 * search. Parents are created with the default mode; only the socket's own directory is tightened.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = await stat(dir);
  if (!stats.isDirectory()) throw new Error(`${dir} exists but is not a directory.`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new Error(
      `${dir} belongs to another user (uid ${stats.uid}); the agent's socket must live in a ` +
        'directory only you own. Set DRIVEUP_HOME to a directory of your own.',
    );
  }
  if ((stats.mode & 0o077) === 0) return;
  await chmod(dir, 0o700);
  const after = await stat(dir);
  if ((after.mode & 0o777) !== 0o700) {
    throw new Error(
      `Could not make ${dir} private (mode ${(after.mode & 0o777).toString(8)}, expected 700).`,
    );
  }
}
