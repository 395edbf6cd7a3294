import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { SkippedPath } from '../queue/skipped-path.ts';
import {
  inspectLink,
  sightingOf,
  special,
  type LinkPolicy,
  type Sighting,
} from './entry-inspector.ts';
import type { PathFilter } from './ignore-rules.ts';

export interface ScannedFile {
  /** Relative to the watched folder, `/`-separated. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanWarning {
  path: string;
  message: string;
}

export interface ScanOptions {
  root: string;
  /** A subfolder to scan (relative, `/`-separated), or `''` for the whole tree. */
  from?: string;
  recursive: boolean;
  filter: PathFilter;
  /** Which links are followed (see entry-inspector.ts). */
  links: LinkPolicy;
  onWarning: (warning: ScanWarning) => void;
  /** Replaceable so a test can make a folder unreadable even as root. */
  readDir?: (dir: string) => Promise<Dirent[]>;
}

export interface ScanResult {
  files: ScannedFile[];
  /** What was left out and why (paths relative, as `files`'). */
  skipped: SkippedPath[];
  /** The folder the scan started from does not exist (or is not a folder). */
  missing: boolean;
  /** Subfolders found below the starting folder. */
  subfolders: number;
  /** Folders that could not be listed: what is in them is unknown, not gone. */
  unreadable: string[];
}

const STAT_SLICE = 256;
/** Listed in the event loop's thread (see `listFolder`): a few thousand entries at most. */
const SMALL_FOLDER_BYTES = 64 * 1024;
const GONE = new Set(['ENOENT', 'ENOTDIR']);

/**
 * A stat-only walk: no hashing, no reading. Symlinked folders are never followed (that is how a
 * symlink loop cannot hang us, and how a link cannot pull a second tree into the rule); symlinked
 * files only when the rule follows links, and then only to files inside its folder. Links, FIFOs,
 * sockets and devices are listed as skipped, with the reason.
 */
export async function scanTree(options: ScanOptions): Promise<ScanResult> {
  const readDir = options.readDir ?? listFolder;
  const files: ScannedFile[] = [];
  const skipped: SkippedPath[] = [];
  const start = options.from ?? '';
  const pending = [start];
  const unreadable: string[] = [];
  let subfolders = -1;
  while (pending.length) {
    subfolders++;
    const dir = pending.pop()!;
    const absoluteDir = join(options.root, dir);
    let entries: Dirent[];
    try {
      entries = await readDir(absoluteDir);
    } catch (error) {
      if (dir === start && GONE.has(codeOf(error))) {
        return { files, skipped, missing: true, subfolders: 0, unreadable };
      }
      if (!GONE.has(codeOf(error))) {
        options.onWarning(unreadableWarning(options.root, dir, error));
        unreadable.push(dir);
      }
      continue;
    }
    const filter = options.filter.inFolder(dir);
    // Joined once per folder: path.join for every file was ~8% of an idle rescan's CPU time.
    const prefix = absoluteDir.endsWith(sep) ? absoluteDir : absoluteDir + sep;
    const links: string[] = [];
    let statted = 0;
    for (const entry of entries) {
      const name = entry.name;
      const path = dir ? `${dir}/${name}` : name;
      if (entry.isDirectory()) {
        if (options.recursive && filter.entersDir(name, path)) pending.push(path);
      } else if (!filter.acceptsFile(name, path)) {
        continue;
      } else if (entry.isFile()) {
        // Synchronous stats in short runs, yielding between them: an idle rescan is mostly stat
        // calls, and the thread-pool round trip of each async stat costs several times the stat.
        if (++statted % STAT_SLICE === 0) await yieldToEventLoop();
        // lstat: a file replaced by a link since the listing is a link, not what it points to.
        const stats = lstatOrNull(options, prefix + name, path);
        if (stats?.isFile()) files.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
        else if (stats?.isSymbolicLink()) links.push(path);
        else if (stats) note(skipped, path, sightingOf(prefix + name, stats));
      } else if (entry.isSymbolicLink()) {
        links.push(path);
      } else {
        note(skipped, path, special(prefix + name, entry));
      }
    }
    for (const path of links) {
      const sighting = await inspectLink(join(options.root, path), options.links);
      if (sighting?.kind === 'file') {
        files.push({ path, size: sighting.size, mtimeMs: sighting.mtimeMs });
      } else if (sighting) note(skipped, path, sighting);
    }
  }
  return { files, skipped, missing: false, subfolders, unreadable };
}

/**
 * A small folder is listed synchronously: the thread-pool round trip of an asynchronous listing
 * costs more than listing a hundred entries. It was ~10% of the CPU time of an idle rescan of 500
 * folders, and a quarter on a busy machine, where each hand-over between threads waits its turn.
 * A big folder, or one whose size says nothing of its entries (0 on Windows and some network
 * shares), is still listed in the thread pool, so that listing 100,000 entries (~150 ms) never
 * holds the event loop. A folder's size grows with its entries where the file system reports one;
 * the one stat costs far less than the round trip it saves.
 */
async function listFolder(dir: string): Promise<Dirent[]> {
  let size = 0;
  try {
    size = statSync(dir, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    // The listing says what is wrong, as it always did.
  }
  if (size > 0 && size <= SMALL_FOLDER_BYTES) return readdirSync(dir, { withFileTypes: true });
  return readdir(dir, { withFileTypes: true });
}

function note(skipped: SkippedPath[], path: string, sighting: Sighting): void {
  if (sighting.kind === 'skip')
    skipped.push({ path, reason: sighting.reason, message: sighting.message });
}

function lstatOrNull(options: ScanOptions, absolute: string, path: string): Stats | null {
  try {
    return lstatSync(absolute, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    // Gone since the listing, or a dangling or looping link: nothing to upload.
    if (!GONE.has(codeOf(error)) && codeOf(error) !== 'ELOOP') {
      options.onWarning({ path, message: `Cannot read ${path}: ${messageOf(error)}` });
    }
    return null;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function unreadableWarning(root: string, dir: string, error: unknown): ScanWarning {
  return {
    path: dir,
    message: `Cannot read the folder ${join(root, dir)} (${messageOf(error)}); its files are skipped until it can be read.`,
  };
}

export function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? '';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
