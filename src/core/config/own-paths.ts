import { basename, dirname, join } from 'node:path';
import { canonicalPath, isWithin, pathComparer } from './path-within.ts';
import type { DriveUpPaths } from './paths.ts';

/**
 * DriveUp's own files, which it never uploads whoever asks: the database, the tokens and the
 * socket (data directory), the logs (state directory), settings.json (the OAuth client secret,
 * a MongoDB password) and the cache directory. The configuration directory as a whole is not among them: with
 * `DRIVEUP_HOME` it may be any folder a person chose. The staging folder in the data directory is
 * the one exception: what a browser sent there (web mode) is meant to leave the machine.
 *
 * Kept as real paths, so that a symbolic link's real target can be compared with them.
 */
export class OwnPaths {
  readonly #dirs: readonly string[];
  readonly #settingsFiles: readonly string[];
  readonly #uploadable: readonly string[];
  readonly #fold: (path: string) => string;

  private constructor(
    dirs: string[],
    settingsFiles: string[],
    uploadable: string[],
    platform: NodeJS.Platform,
  ) {
    this.#fold = pathComparer(platform);
    this.#dirs = [...new Set(dirs.map(this.#fold))];
    this.#uploadable = [...new Set(uploadable.map(this.#fold))];
    this.#settingsFiles = [...new Set(settingsFiles.map(this.#fold))];
  }

  /** Resolves the real paths (call once the directories exist, at the agent's start). */
  static async of(paths: DriveUpPaths, platform = process.platform): Promise<OwnPaths> {
    const dirs = [paths.dataDir, paths.stateDir, paths.secretsDir, paths.cacheDir];
    const realDirs = await Promise.all(dirs.map((dir) => canonicalPath(dir)));
    // settings.json itself, and where a link named settings.json leads.
    const settings = [
      join(await canonicalPath(dirname(paths.settingsFile)), basename(paths.settingsFile)),
      await canonicalPath(paths.settingsFile),
    ];
    const staging = [paths.stagingDir, await canonicalPath(paths.stagingDir)];
    return new OwnPaths([...dirs, ...realDirs], settings, staging, platform);
  }

  /** The own directory or file that `realPath` (a path with every link resolved) is or lies in. */
  holderOf(realPath: string): string | null {
    const path = this.#fold(realPath);
    if (this.#uploadable.some((dir) => isWithin(path, dir))) return null;
    const dir = this.#dirs.find((own) => isWithin(path, own));
    if (dir) return dir;
    // write-file-atomic writes a temporary copy beside it first: settings.json.<hash>.
    const settings = this.#settingsFiles.find(
      (file) =>
        path === file ||
        (dirname(path) === dirname(file) && basename(path).startsWith(`${basename(file)}.`)),
    );
    return settings ?? null;
  }
}
