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
  /**
   * The same two judgements for the entries of one listed folder (`dir`, relative, `''` for the
   * watched folder itself). The folders above them are judged once here, not once per entry: a
   * rescan asks about every file of the tree, and splitting each path into its parents again was
   * nearly a tenth of an idle rescan's CPU time.
   */
  inFolder(dir: string): FolderFilter;
}

/** A PathFilter bound to one folder; `path` is `dir/name`, as PathFilter takes it. */
export interface FolderFilter {
  acceptsFile(name: string, path: string): boolean;
  entersDir(name: string, path: string): boolean;
}

export function createPathFilter(options: IgnoreOptions): PathFilter {
  const included = options.include.length ? globMatcher(options.include) : null;
  const excluded = options.exclude.length ? globMatcher(options.exclude) : null;
  const temporary = options.ignoreTemporary ? globMatcher(TEMPORARY_NAME_PATTERNS) : null;
  const hiddenName = (name: string) => options.ignoreHidden && isHiddenName(name);
  const hidden = (path: string) => options.ignoreHidden && path.split('/').some(isHiddenName);
  const entersDir = (path: string) => !hidden(path) && !excluded?.(path, nameOf(path));
  // What a file is judged on besides its folders; `name` is the last part of `path`.
  const acceptsName = (name: string, path: string) =>
    !hiddenName(name) &&
    !temporary?.(path, name) &&
    !excluded?.(path, name) &&
    (included === null || included(path, name));
  return {
    acceptsFile: (path) =>
      acceptsName(nameOf(path), path) &&
      // A change event names the file, not the folders above it: an excluded folder still counts.
      parentDirs(path).every(entersDir),
    entersDir,
    inFolder: (dir) => {
      // Every folder from the top down to `dir` is entered: each file in it passes that test.
      const foldersEntered = dir === '' || [...parentDirs(dir), dir].every(entersDir);
      const folderHidden = dir !== '' && hidden(dir);
      return {
        acceptsFile: (name, path) => foldersEntered && acceptsName(name, path),
        entersDir: (name, path) => !folderHidden && !hiddenName(name) && !excluded?.(path, name),
      };
    },
  };
}

/**
 * A pattern without a slash matches the name at any depth (`*.jpg`), as users expect of a filter;
 * one with a slash matches the whole relative path. (picomatch's own `basename` option applies
 * the name rule to slashed patterns too, so the two kinds are split here.)
 */
function globMatcher(patterns: readonly string[]): (path: string, name: string) => boolean {
  const name = anyPattern(patterns.filter((p) => !p.includes('/')));
  const path = anyPattern(patterns.filter((p) => p.includes('/')));
  return (relativePath, baseName) => path(relativePath) || name(baseName);
}

const WINDOWS = process.platform === 'win32';

/**
 * Whether the input matches any of the globs, as picomatch's matcher for the list decides (the
 * glob itself, else its regular expression; slashes made forward on Windows), in one regular
 * expression test. picomatch's matcher tests each glob in turn and builds two result objects for
 * each: with the nine temporary-name patterns, ~450 bytes of garbage a file, a third of what an
 * idle rescan made.
 */
export function anyPattern(globs: readonly string[]): (input: string) => boolean {
  if (!globs.length) return () => false;
  // The options picomatch() itself would compile them with.
  const options = { dot: true, windows: WINDOWS };
  const literal = new Set(globs);
  const regex = new RegExp(
    globs.map((glob) => `(?:${picomatch.makeRe(glob, options).source})`).join('|'),
  );
  return (input) => {
    const posix = WINDOWS ? input.replaceAll('\\', '/') : input;
    return (
      input !== '' &&
      (literal.has(input) || (posix !== input && literal.has(posix)) || regex.test(posix))
    );
  };
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
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
