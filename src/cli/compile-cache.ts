import { join } from 'node:path';
import { resolvePaths } from '../core/config/paths.ts';

// Not `import … from 'node:fs'`: an ES import of a built-in reads all its exports, and node:fs's
// lazy ones (promises, ReadStream, watchers) load some 30 more modules, readline's among them:
// ~4 ms of every `driveup` command, before the cache can help.
const { lstatSync, mkdirSync } = process.getBuiltinModule('node:fs');

/**
 * Turns on Node's module compile cache (V8's code cache on disk) for this process, in a
 * directory of this user's alone: every `driveup` command compiles the same bundle, and the
 * cache spares it on each run after the first. Node's default place, a shared directory under
 * /tmp, would let another user of the machine plant compiled code for us to run. It is among
 * DriveUp's own files (OwnPaths), never uploaded.
 *
 * Silently does nothing when the directory cannot be made or is not safely ours: the cache only
 * saves time. A cache directory named by NODE_COMPILE_CACHE is the person's choice, and Node has
 * already applied it.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return;
  const module = process.getBuiltinModule('node:module');
  const dir = join(resolvePaths({ env }).cacheDir, 'node-compile-cache');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isPrivate(dir)) return;
    module.enableCompileCache(dir);
  } catch {
    // A read-only home, a full disk: start without the cache.
  }
}

/** A real directory (not a link), owned by this user, that no one else may write to. */
function isPrivate(dir: string): boolean {
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) return false;
  if (process.platform === 'win32') return true;
  return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;
}
