import picomatch from 'picomatch';

/**
 * Names that are still being written by some program (browser downloads, Office lock files,
 * editor swap files) or that are OS clutter. Uploading them would only upload garbage; the final
 * name appears by rename once the writer is done.
 */
export const TEMPORARY_NAME_PATTERNS: readonly string[] = [
  '*.part',
  '*.crdownload',
  '*.download',
  '*.tmp',
  '~$*',
  '.~lock.*',
  '*.swp',
  '.DS_Store',
  'Thumbs.db',
];

export interface IgnoreOptions {
  include: readonly string[];
  exclude: readonly string[];
  ignoreHidden: boolean;
  ignoreTemporary: boolean;
}

/** Decides, on paths relative to the watched folder (`/`-separated), what a rule looks at. */
export interface PathFilter {
  /** A file the rule uploads. */
  acceptsFile(relativePath: string): boolean;
  /** A directory the scanner descends into. */
  entersDir(relativePath: string): boolean;
}

export function createPathFilter(options: IgnoreOptions): PathFilter {
  const included = options.include.length ? globMatcher(options.include) : null;
  const excluded = options.exclude.length ? globMatcher(options.exclude) : null;
  const temporary = options.ignoreTemporary ? globMatcher(TEMPORARY_NAME_PATTERNS) : null;
  const hidden = (path: string) => options.ignoreHidden && path.split('/').some(isHiddenName);
  const entersDir = (path: string) => !hidden(path) && !excluded?.(path);
  return {
    acceptsFile: (path) =>
      !hidden(path) &&
      !temporary?.(path) &&
      !excluded?.(path) &&
      (included === null || included(path)) &&
      // A change event names the file, not the folders above it: an excluded folder still counts.
      parentDirs(path).every(entersDir),
    entersDir,
  };
}

/**
 * A pattern without a slash matches the name at any depth (`*.jpg`), as users expect of a filter;
 * one with a slash matches the whole relative path. (picomatch's own `basename` option applies
 * the name rule to slashed patterns too, so the two kinds are split here.)
 */
function globMatcher(patterns: readonly string[]): (path: string) => boolean {
  const byName = patterns.filter((p) => !p.includes('/'));
  const byPath = patterns.filter((p) => p.includes('/'));
  const name = byName.length ? picomatch(byName, { dot: true }) : () => false;
  const path = byPath.length ? picomatch(byPath, { dot: true }) : () => false;
  return (relativePath) =>
    path(relativePath) || name(relativePath.slice(relativePath.lastIndexOf('/') + 1));
}

function parentDirs(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** Why a glob cannot be used, or null. Unbalanced brackets would otherwise match literally. */
export function globProblem(glob: string): string | null {
  if (glob.trim() === '') return 'a pattern cannot be empty';
  if (glob.startsWith('/') || /^[A-Za-z]:[\\/]/.test(glob)) {
    return 'patterns are relative to the watched folder, not absolute paths';
  }
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
