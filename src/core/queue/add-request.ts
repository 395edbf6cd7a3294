import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { localPathSchema } from '../config/local-path-schema.ts';
import type { OwnPaths } from '../config/own-paths.ts';
import { conflictPolicySchema } from '../config/settings-schema.ts';
import { driveFolderPathSchema } from '../config/folder-path.ts';
import { fileErrorWords, fileTypeWords, type EntryKind } from './file-problem.ts';
import { hardLinkRefusal, NAMED_FILE, scopeRefusal, type FileScope } from '../drive/file-scope.ts';
import { isKernelFile } from './kernel-file.ts';
import type { SkippedPath } from './skipped-path.ts';

/** What a person or script asks for when adding files: the API's input for `queue.add`. */
export const addRequestSchema = z
  .object({
    paths: z.array(localPathSchema).min(1, 'name at least one file').max(100_000),
    folder: driveFolderPathSchema.optional(),
    source: z.enum(['drop', 'cli']).default('cli'),
    conflictPolicy: conflictPolicySchema.optional(),
    includeHidden: z
      .boolean()
      .optional()
      .describe('Also files and folders whose name starts with a dot, inside an added folder.'),
    followSymlinks: z
      .boolean()
      .optional()
      .describe(
        'Inside an added folder, follow symbolic links to files inside that folder (never to folders, never outside it).',
      ),
    force: z.boolean().optional().describe('Upload again files already in that folder'),
    dryRun: z.boolean().optional().describe('Queue nothing; answer what would be queued'),
  })
  .strict();
export type AddRequest = z.output<typeof addRequestSchema>;

export interface ExpandedFile {
  path: string;
  folderPath: string;
  /** Where it was found: checked again on the opened file at upload time. */
  scope: FileScope;
}

export interface ExpandedRequest {
  files: ExpandedFile[];
  /** What was found in added folders and left out, with the reason. */
  skipped: SkippedPath[];
}

export interface ExpandOptions {
  /** The Drive folder the paths go to. */
  folder: string;
  includeHidden?: boolean;
  followSymlinks?: boolean;
  /** DriveUp's own files: never added, whoever names them. */
  own?: OwnPaths | undefined;
}

/** A path that cannot be added, with what to do about it. */
export class AddPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddPathError';
  }
}

/**
 * Turns the paths someone added into files and their Drive folders. A folder is uploaded with
 * its tree: `add ~/scans --to Lab` puts `~/scans/a/b.tif` into `Lab/scans/a`. Every path is
 * checked before anything is queued, so a typo queues nothing and says which path was wrong.
 *
 * A path named here is the person's intent: a symbolic link is followed, anywhere but into
 * DriveUp's own files. Inside a named folder it is different, as anyone who can write there may
 * have put things in it: links, dot-files, FIFOs and devices are left out (links and dot-files
 * unless asked) and returned as skipped, with the reason.
 */
export async function expandAddRequest(
  paths: readonly string[],
  options: ExpandOptions,
): Promise<ExpandedRequest> {
  const result: ExpandedRequest = { files: [], skipped: [] };
  const named = await lookAtNamed(paths, options.own);
  for (const [index, given] of paths.entries()) {
    const { stats: found, path } = named[index]!;
    if (found.isFile()) {
      result.files.push({ path, folderPath: options.folder, scope: NAMED_FILE });
    } else if (found.isDirectory()) {
      // Walked where it really is (a folder named through a link, `/data/run1` for
      // `/mnt/disk/run1`, is that folder: its files are one job each, however it was named), and
      // uploaded under the name it was given.
      await new FolderWalk(await realpath(path), basename(path), options, result).run();
    } else {
      throw new AddPathError(
        `${given} is ${fileTypeWords(found)}, not a regular file or folder: only files and folders can be added`,
      );
    }
  }
  return result;
}

/**
 * What each named path is (a link followed), a bounded number at a time, as file-versions.ts stats
 * them: a script may name 100,000 files. A link's target is resolved; any other path's real
 * location is its folder's (resolved once per folder) plus its name, so that a path into
 * DriveUp's own files is refused however it is written. The first problem, in the order named,
 * is the one reported.
 */
async function lookAtNamed(
  paths: readonly string[],
  own: OwnPaths | undefined,
): Promise<NamedPath[]> {
  const folders = new Map<string, Promise<string>>();
  const realFolder = (dir: string) => {
    let real = folders.get(dir);
    if (!real) folders.set(dir, (real = realpath(dir)));
    return real;
  };
  const found = new Array<NamedPath | AddPathError>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      found[index] = await namedPath(paths[index]!, own, realFolder).catch((error: unknown) => {
        if (error instanceof AddPathError) return error;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, paths.length) }, worker));
  const problem = found.find((entry) => entry instanceof AddPathError);
  if (problem) throw problem;
  return found as NamedPath[];
}

/**
 * A named path as it is queued: its folder with every link resolved, its own name kept (a link
 * named stays that link, and a folder keeps the name its Drive folder gets). The same file named
 * through a linked folder (`~/link/a.pdf`, `~/real/a.pdf`) is then one job, not two uploads.
 */
interface NamedPath {
  path: string;
  stats: Stats;
}

async function namedPath(
  path: string,
  own: OwnPaths | undefined,
  realFolder: (dir: string) => Promise<string>,
): Promise<NamedPath> {
  let found: Stats;
  let real: string;
  let canonical: string;
  try {
    found = await lstat(path);
    canonical = join(await realFolder(dirname(path)), basename(path));
    if (found.isSymbolicLink()) [found, real] = await Promise.all([stat(path), realpath(path)]);
    else real = canonical;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new AddPathError(
      missing ? `No such file or folder: ${path}` : `${path} ${fileErrorWords(error)}`,
    );
  }
  const refusal =
    scopeRefusal({ path, realPath: real, scope: NAMED_FILE, realRoot: null, own }) ??
    (await hardLinkRefusal(path, found, own));
  if (refusal) throw new AddPathError(refusal.message);
  if (found.isFile() && (await isKernelFile(path, found.size))) {
    throw new AddPathError(
      `${path} is made up by the kernel as it is read (/proc, /sys): it lists no size, so it would be uploaded empty. Copy it to a file first (cat ${path} > copy.txt) and add the copy.`,
    );
  }
  return { path: canonical, stats: found };
}

/**
 * One added folder, walked without following links (a link to a folder could pull in another
 * tree, or loop): every entry is looked at with the type readdir gives, which is lstat's.
 */
class FolderWalk {
  readonly #root: string;
  readonly #options: ExpandOptions;
  readonly #result: ExpandedRequest;
  readonly #scope: FileScope;
  /** The Drive folder the tree goes into, under the requested one. */
  readonly #name: string;
  #realRoot = '';

  /** `root`: the folder's real path (no link in it); `name`: what it was called when added. */
  constructor(root: string, name: string, options: ExpandOptions, result: ExpandedRequest) {
    this.#root = root;
    this.#name = name;
    this.#options = options;
    this.#result = result;
    this.#scope = { foundIn: root, followLinks: options.followSymlinks ?? false };
  }

  async run(): Promise<void> {
    this.#realRoot = await realpath(this.#root);
    const first = this.#result.files.length;
    await this.#walk();
    // A folder's files in path order, whatever order the file system listed them in.
    const mine = this.#result.files.splice(first).sort((a, b) => a.path.localeCompare(b.path));
    this.#result.files.push(...mine);
  }

  async #walk(): Promise<void> {
    const pending = [this.#root];
    while (pending.length) {
      const dir = pending.pop()!;
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        throw new AddPathError(`The folder ${dir} ${fileErrorWords(error)}`);
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.name.startsWith('.') && !this.#options.includeHidden) {
          this.#skip(path, 'hidden', `${path} is hidden (its name starts with a dot)`);
        } else if (this.#isOwn(path)) {
          continue;
        } else if (entry.isDirectory()) {
          pending.push(path);
        } else if (entry.isFile()) {
          this.#add(path);
        } else if (entry.isSymbolicLink()) {
          await this.#link(path);
        } else {
          this.#skipSpecial(path, entry);
        }
      }
    }
  }

  /** No link is followed in the walk, so an entry's real path is the root's plus its own. */
  #isOwn(path: string): boolean {
    const realPath = join(this.#realRoot, relative(this.#root, path));
    const refusal = scopeRefusal({
      path,
      realPath,
      scope: NAMED_FILE,
      realRoot: null,
      own: this.#options.own,
    });
    if (refusal) this.#skip(path, refusal.reason, refusal.message);
    return refusal !== null;
  }

  async #link(path: string): Promise<void> {
    if (!this.#scope.followLinks) {
      this.#skip(
        path,
        'symlink',
        `${path} is a symbolic link; links inside an added folder are followed only when asked`,
      );
      return;
    }
    let realPath: string;
    let target: Stats;
    try {
      [realPath, target] = await Promise.all([realpath(path), stat(path)]);
    } catch {
      this.#skip(path, 'symlink', `${path} is a symbolic link to nothing (or a link loop)`);
      return;
    }
    const refusal = scopeRefusal({
      path,
      realPath,
      scope: this.#scope,
      realRoot: this.#realRoot,
      own: this.#options.own,
    });
    if (refusal) this.#skip(path, refusal.reason, refusal.message);
    else if (target.isFile()) this.#add(path);
    else if (target.isDirectory()) {
      this.#skip(
        path,
        'symlink',
        `${path} is a symbolic link to a folder; links to folders are never followed`,
      );
    } else this.#skipSpecial(path, target);
  }

  #add(path: string): void {
    const relativeDir = relative(this.#root, dirname(path)).split(sep).filter(Boolean);
    this.#result.files.push({
      path,
      folderPath: [this.#options.folder, this.#name, ...relativeDir].filter(Boolean).join('/'),
      scope: this.#scope,
    });
  }

  #skipSpecial(path: string, kind: EntryKind): void {
    this.#skip(
      path,
      'special',
      `${path} is ${fileTypeWords(kind)}, not a regular file: nothing to upload`,
    );
  }

  #skip(path: string, reason: SkippedPath['reason'], message: string): void {
    this.#result.skipped.push({ path, reason, message });
  }
}
