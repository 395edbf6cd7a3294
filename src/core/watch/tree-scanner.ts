import type { Dirent, Stats } from 'node:fs';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
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
  onWarning: (warning: ScanWarning) => void;
  /** Replaceable so a test can make a folder unreadable even as root. */
  readDir?: (dir: string) => Promise<Dirent[]>;
}

export interface ScanResult {
  files: ScannedFile[];
  /** The folder the scan started from does not exist (or is not a folder). */
  missing: boolean;
  /** Subfolders found below the starting folder. */
  subfolders: number;
}

const STAT_SLICE = 256;
const GONE = new Set(['ENOENT', 'ENOTDIR']);

/**
 * A stat-only walk: no hashing, no reading. Symlinked folders are never followed (that is how a
 * symlink loop cannot hang us, and how a link cannot pull a second tree into the rule); symlinked
 * files are uploaded as the file they point to.
 */
export async function scanTree(options: ScanOptions): Promise<ScanResult> {
  const readDir = options.readDir ?? ((dir: string) => readdir(dir, { withFileTypes: true }));
  const files: ScannedFile[] = [];
  const start = options.from ?? '';
  const pending = [start];
  let subfolders = -1;
  while (pending.length) {
    subfolders++;
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readDir(join(options.root, dir));
    } catch (error) {
      if (dir === start && GONE.has(codeOf(error))) return { files, missing: true, subfolders: 0 };
      if (!GONE.has(codeOf(error))) options.onWarning(unreadable(options.root, dir, error));
      continue;
    }
    const candidates: string[] = [];
    for (const entry of entries) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (options.recursive && options.filter.entersDir(path)) pending.push(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && options.filter.acceptsFile(path)) {
        candidates.push(path);
      }
    }
    files.push(...(await statFiles(options, candidates)));
  }
  return { files, missing: false, subfolders };
}

/**
 * Synchronous stats in short slices, yielding between them: an idle rescan is mostly stat calls,
 * and the thread-pool round trip of each async stat costs several times the stat itself.
 */
async function statFiles(options: ScanOptions, paths: string[]): Promise<ScannedFile[]> {
  const found: ScannedFile[] = [];
  for (let i = 0; i < paths.length; i += STAT_SLICE) {
    if (i > 0) await yieldToEventLoop();
    for (const path of paths.slice(i, i + STAT_SLICE)) {
      const stats = statOrNull(options, path);
      if (stats?.isFile()) found.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
    }
  }
  return found;
}

function statOrNull(options: ScanOptions, path: string): Stats | null {
  try {
    return statSync(join(options.root, path), { throwIfNoEntry: false }) ?? null;
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

function unreadable(root: string, dir: string, error: unknown): ScanWarning {
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
