import type { Dirent, Stats } from 'node:fs';
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
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
const GONE = new Set(['ENOENT', 'ENOTDIR']);

/**
 * A stat-only walk: no hashing, no reading. Symlinked folders are never followed (that is how a
 * symlink loop cannot hang us, and how a link cannot pull a second tree into the rule); symlinked
 * files only when the rule follows links, and then only to files inside its folder. Links, FIFOs,
 * sockets and devices are listed as skipped, with the reason.
 */
export async function scanTree(options: ScanOptions): Promise<ScanResult> {
  const readDir = options.readDir ?? ((dir: string) => readdir(dir, { withFileTypes: true }));
  const files: ScannedFile[] = [];
  const skipped: SkippedPath[] = [];
  const start = options.from ?? '';
  const pending = [start];
  const unreadable: string[] = [];
  let subfolders = -1;
  while (pending.length) {
    subfolders++;
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readDir(join(options.root, dir));
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
    const candidates: string[] = [];
    const links: string[] = [];
    for (const entry of entries) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (options.recursive && options.filter.entersDir(path)) pending.push(path);
      } else if (!options.filter.acceptsFile(path)) {
        continue;
      } else if (entry.isFile()) {
        candidates.push(path);
      } else if (entry.isSymbolicLink()) {
        links.push(path);
      } else {
        note(skipped, path, special(join(options.root, path), entry));
      }
    }
    files.push(...(await statFiles(options, candidates, links, skipped)));
  }
  return { files, skipped, missing: false, subfolders, unreadable };
}

/**
 * Synchronous stats in short slices, yielding between them: an idle rescan is mostly stat calls,
 * and the thread-pool round trip of each async stat costs several times the stat itself.
 */
async function statFiles(
  options: ScanOptions,
  paths: string[],
  links: string[],
  skipped: SkippedPath[],
): Promise<ScannedFile[]> {
  const found: ScannedFile[] = [];
  const take = (path: string, sighting: Sighting | null) => {
    if (sighting?.kind === 'file') {
      found.push({ path, size: sighting.size, mtimeMs: sighting.mtimeMs });
    } else if (sighting?.kind === 'skip') note(skipped, path, sighting);
  };
  for (let i = 0; i < paths.length; i += STAT_SLICE) {
    if (i > 0) await yieldToEventLoop();
    for (const path of paths.slice(i, i + STAT_SLICE)) {
      // lstat: a file replaced by a link since the listing is a link, not what it points to.
      const stats = lstatOrNull(options, path);
      if (stats?.isSymbolicLink()) links.push(path);
      else if (stats) take(path, sightingOf(join(options.root, path), stats));
    }
  }
  for (const path of links) take(path, await inspectLink(join(options.root, path), options.links));
  return found;
}

function note(skipped: SkippedPath[], path: string, sighting: Sighting): void {
  if (sighting.kind === 'skip')
    skipped.push({ path, reason: sighting.reason, message: sighting.message });
}

function lstatOrNull(options: ScanOptions, path: string): Stats | null {
  try {
    return lstatSync(join(options.root, path), { throwIfNoEntry: false }) ?? null;
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
