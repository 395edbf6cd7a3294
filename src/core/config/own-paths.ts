import { lstat, readdir } from 'node:fs/promises';
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
  /** The directories and settings files as they are spelled, to be listed (not compared). */
  readonly #listed: { dirs: readonly string[]; settingsFiles: readonly string[] };

  private constructor(
    dirs: string[],
    settingsFiles: string[],
    uploadable: string[],
    platform: NodeJS.Platform,
  ) {
    this.#listed = { dirs: [...new Set(dirs)], settingsFiles: [...new Set(settingsFiles)] };
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

  /**
   * The own directory or file holding the file with this device and inode. A hard link to one of
   * DriveUp's files (`cp -al` of its home into a watched folder, an `ln` by mistake) has a path
   * of its own, which holderOf cannot see: only its inode is DriveUp's. The own files are listed
   * afresh each time (a few dozen; tokens and the database get new inodes as they are rewritten),
   * so ask only about a file with more than one link.
   */
  async holderOfInode(dev: number, ino: number): Promise<string | null> {
    const same = async (path: string) => {
      const found = await lstat(path).catch(() => null);
      return found?.isFile() === true && found.dev === dev && found.ino === ino;
    };
    for (const dir of this.#listed.dirs) if (await this.#holds(dir, same)) return dir;
    for (const file of this.#listed.settingsFiles) if (await same(file)) return file;
    return null;
  }

  async #holds(dir: string, same: (path: string) => Promise<boolean>): Promise<boolean> {
    if (this.#uploadable.some((staging) => isWithin(this.#fold(dir), staging))) return false;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() ? await this.#holds(path, same) : await same(path)) return true;
    }
    return false;
  }
}
