import { lstatSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { OwnPaths } from '../config/own-paths.ts';
import { fileTypeWords, type EntryKind } from '../queue/file-problem.ts';
import { scopeRefusal } from '../drive/file-scope.ts';
import type { SkippedPath } from '../queue/skipped-path.ts';

/** How a rule treats what it finds: links are followed only when it says so. */
export interface LinkPolicy {
  /** The watched folder, as the rule names it. */
  root: string;
  /** Its real path, resolved when the scan or the look began. */
  realRoot: string;
  followLinks: boolean;
  own: OwnPaths | undefined;
}

/** What one path in a watched folder is, for the rule. */
export type Sighting =
  | { kind: 'file'; size: number; mtimeMs: number }
  | { kind: 'dir' }
  | { kind: 'skip'; reason: SkippedPath['reason']; message: string };

/**
 * Looks at one path without following a link unless the rule allows it: lstat first, so a link
 * is never taken for the file it points to. Null when the path is gone.
 *
 * The lstat is synchronous, as the tree scanner's (tree-scanner.ts): the watcher looks at every
 * file it hears of, twice, and the thread-pool round trip of an asynchronous stat costs several
 * times the stat itself. Only a link, whose target is resolved, answers with a promise.
 */
export function inspectEntry(
  absolute: string,
  policy: LinkPolicy,
): Sighting | null | Promise<Sighting | null> {
  let found: Stats | undefined;
  try {
    found = lstatSync(absolute, { throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (!found) return null;
  return found.isSymbolicLink() ? inspectLink(absolute, policy) : sightingOf(absolute, found);
}

/** What a path is from its lstat (or, for a followed link, its target's stat). */
export function sightingOf(absolute: string, found: Stats): Sighting {
  if (found.isFile()) return { kind: 'file', size: found.size, mtimeMs: found.mtimeMs };
  if (found.isDirectory()) return { kind: 'dir' };
  return special(absolute, found);
}

/** A link: followed only by a rule that allows it, only to a file inside the rule's folder. */
export async function inspectLink(absolute: string, policy: LinkPolicy): Promise<Sighting | null> {
  if (!policy.followLinks) {
    return skip(
      'symlink',
      `${absolute} is a symbolic link; this rule does not follow links (followSymlinks is off)`,
    );
  }
  const realPath = await realpath(absolute).catch(() => null);
  if (!realPath) {
    return skip('symlink', `${absolute} is a symbolic link to nothing (or a link loop)`);
  }
  const refusal = scopeRefusal({
    path: absolute,
    realPath,
    scope: { foundIn: policy.root, followLinks: true },
    realRoot: policy.realRoot,
    own: policy.own,
  });
  if (refusal) return skip(refusal.reason, refusal.message);
  const target = await stat(absolute).catch(() => null);
  if (!target) return null;
  if (target.isDirectory()) {
    return skip(
      'symlink',
      `${absolute} is a symbolic link to a folder; links to folders are never followed (what they point to inside the rule's folder is watched already)`,
    );
  }
  return sightingOf(absolute, target);
}

export function special(absolute: string, found: EntryKind): Sighting {
  return skip(
    'special',
    `${absolute} is ${fileTypeWords(found)}, not a regular file: nothing to upload`,
  );
}

function skip(reason: SkippedPath['reason'], message: string): Sighting {
  return { kind: 'skip', reason, message };
}
