import { canonicalPath, isWithin, pathComparer } from '../config/path-within.ts';
import type { WatchRule, WatchRuleSettings } from './watch-rules.ts';

export type WatchRuleErrorReason =
  'not-found' | 'overlap' | 'data-dir' | 'move-target' | 'folder-missing';

/** A rule operation refused, with a reason code for the API and a message for a person. */
export class WatchRuleError extends Error {
  readonly reason: WatchRuleErrorReason;

  constructor(reason: WatchRuleErrorReason, message: string) {
    super(message);
    this.name = 'WatchRuleError';
    this.reason = reason;
  }
}

export interface PlacementContext {
  /** The other rules (an updated rule is left out). */
  others: readonly WatchRule[];
  /** DriveUp's own directories (data, config, logs): watching them would upload the database. */
  protectedDirs: readonly string[];
  platform?: NodeJS.Platform;
}

/**
 * Refuses a rule whose files another rule also watches (each file would be uploaded twice), a rule
 * on or around DriveUp's own directories, and a "move" target inside any watched tree (a moved file
 * would be uploaded again). Paths are compared after resolving symlinks, so an alias is caught.
 */
export async function checkPlacement(
  rule: WatchRuleSettings,
  context: PlacementContext,
): Promise<void> {
  const fold = pathComparer(context.platform ?? process.platform);
  const folder = fold(await canonicalPath(rule.folder));
  for (const dir of context.protectedDirs) {
    const own = fold(await canonicalPath(dir));
    if (isWithin(folder, own) || (rule.recursive && isWithin(own, folder))) {
      throw new WatchRuleError(
        'data-dir',
        `${rule.folder} holds or is inside DriveUp's own directory ${dir}; DriveUp cannot watch it.`,
      );
    }
  }
  for (const other of context.others) {
    const theirs = fold(await canonicalPath(other.folder));
    if (overlaps(folder, rule.recursive, theirs, other.recursive)) {
      throw new WatchRuleError(
        'overlap',
        `${rule.folder} overlaps the watched folder ${other.folder}; a file would belong to two rules. Change or remove that rule first.`,
      );
    }
  }
  if (rule.afterUpload.action === 'move') {
    await checkMoveTarget(rule.afterUpload.folder, rule, context, fold);
  }
}

async function checkMoveTarget(
  target: string,
  rule: WatchRuleSettings,
  context: PlacementContext,
  fold: (path: string) => string,
): Promise<void> {
  const moved = fold(await canonicalPath(target));
  for (const watched of [rule, ...context.others]) {
    const folder = fold(await canonicalPath(watched.folder));
    const caught = watched.recursive ? isWithin(moved, folder) : moved === folder;
    if (caught) {
      throw new WatchRuleError(
        'move-target',
        `Uploaded files cannot be moved to ${target}: it is watched (${watched.folder}), so they would be uploaded again.`,
      );
    }
  }
}

function overlaps(a: string, aRecursive: boolean, b: string, bRecursive: boolean): boolean {
  if (a === b) return true;
  return (bRecursive && isWithin(a, b)) || (aRecursive && isWithin(b, a));
}
