import type { Stats } from 'node:fs';
import { join, relative } from 'node:path';
import type { OwnPaths } from '../config/own-paths.ts';
import { isWithin, pathComparer } from '../config/path-within.ts';

/**
 * Where a queued file was found, which decides the symbolic links that may lead to it. A file
 * found in a watched or added folder is that folder's: another user who can write into a shared
 * folder must not make DriveUp upload what a link of theirs points to.
 */
export interface FileScope {
  /** The watched or added folder the file was found in; null when a person named the file itself. */
  foundIn: string | null;
  /** Links below `foundIn` are followed, and then only to files inside it. */
  followLinks: boolean;
  /**
   * `foundIn` was a real folder, every link resolved, when it was chosen (a watch rule's): if it
   * is a symbolic link now, it was replaced since, and nothing is uploaded through it.
   */
  realWhenChosen?: boolean;
}

/** A file a person named: their intent, followed wherever it leads but into DriveUp's own files. */
export const NAMED_FILE: FileScope = { foundIn: null, followLinks: true };

export type ScopeRefusal = {
  reason: 'symlink' | 'outside' | 'protected';
  message: string;
};

export interface ScopeCheck {
  /** The path as queued. */
  path: string;
  /** Where it really is, every link resolved. */
  realPath: string;
  scope: FileScope;
  /** `scope.foundIn`'s real path (unused when it is null). */
  realRoot: string | null;
  own: OwnPaths | undefined;
  platform?: NodeJS.Platform;
}

/** Why the file really at `realPath` may not be uploaded as `path`, or null when it may. */
export function scopeRefusal(check: ScopeCheck): ScopeRefusal | null {
  const { path, scope } = check;
  const holder = check.own?.holderOf(check.realPath);
  if (holder) {
    const what = check.realPath === path ? 'is one of' : 'leads into';
    return {
      reason: 'protected',
      message: `${path} ${what} DriveUp's own files (${holder}): DriveUp never uploads its database, tokens, settings or logs`,
    };
  }
  if (scope.foundIn === null || check.realRoot === null) return null;
  const fold = pathComparer(check.platform ?? process.platform);
  const real = fold(check.realPath);
  if (!scope.followLinks) {
    const direct = join(check.realRoot, relative(scope.foundIn, path));
    if (real === fold(direct)) return null;
    return {
      reason: 'symlink',
      message: `${path} is reached through a symbolic link (to ${check.realPath}); links in ${scope.foundIn} are not followed`,
    };
  }
  if (isWithin(real, fold(check.realRoot))) return null;
  return {
    reason: 'outside',
    message: `${path} is a symbolic link to ${check.realPath}, outside ${scope.foundIn}; links are followed only to files inside the folder`,
  };
}

/**
 * Why a file with more than one link may not be uploaded: it is a hard link to one of DriveUp's
 * own files (OwnPaths.holderOfInode), which no path check can see. Null when it may.
 */
export async function hardLinkRefusal(
  path: string,
  stats: Stats,
  own: OwnPaths | undefined,
): Promise<ScopeRefusal | null> {
  if (!stats.isFile() || stats.nlink < 2 || !own) return null;
  const holder = await own.holderOfInode(stats.dev, stats.ino);
  if (!holder) return null;
  return {
    reason: 'protected',
    message: `${path} is a hard link to one of DriveUp's own files (in ${holder}): DriveUp never uploads its database, tokens, settings or logs`,
  };
}
