import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DriveUpPaths } from './paths.ts';

/**
 * Why one of DriveUp's own directories or files cannot be trusted:
 * - `foreign-owner`: it belongs to another user, who could change it under the agent;
 * - `writable-by-others`: other users (its group, or everyone) may write into it;
 * - `not-a-directory` / `not-a-file`: it is something else than DriveUp puts there;
 * - `symlink`: a symbolic link where DriveUp writes (logs, tokens), which could send what it
 *   writes into another file.
 */
export type TrustProblemKind =
  'foreign-owner' | 'writable-by-others' | 'not-a-directory' | 'not-a-file' | 'symlink';

/** A problem as data: the face words it (`driveup agent` refuses to start, `doctor` lists it). */
export interface TrustProblem {
  kind: TrustProblemKind;
  path: string;
  /** The fact found, e.g. "owned by uid 1001", "mode 775", "points to /etc/passwd". */
  detail: string;
}

export interface TrustOptions {
  /** The user the agent runs as; the process's own by default. */
  uid?: number;
}

/** DriveUp will not start with its own files in untrusted hands. */
export class UntrustedDirectoryError extends Error {
  readonly problems: readonly TrustProblem[];

  constructor(problems: readonly TrustProblem[]) {
    const first = problems[0];
    super(
      `DriveUp's own files are not safe to use: ${first ? `${first.path} (${first.kind}: ${first.detail})` : 'unknown'}` +
        (problems.length > 1 ? ` and ${problems.length - 1} more` : ''),
    );
    this.name = 'UntrustedDirectoryError';
    this.problems = problems;
  }
}

const PRIVATE_DIR = 0o700;
const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/**
 * What the agent does before it reads settings.json or writes a log line: creates its
 * configuration, data and log directories (0700) where missing, then checks them as ssh checks
 * ~/.ssh; throws UntrustedDirectoryError with every problem found.
 */
export async function ensureTrustedDirectories(
  paths: DriveUpPaths,
  options: TrustOptions = {},
): Promise<void> {
  const uid = options.uid ?? process.getuid?.();
  if (uid === undefined) return; // Windows: ownership is ACLs, not uids.
  for (const dir of ownDirectories(paths)) await createPrivateDirectory(dir);
  const problems = await checkDirectoryTrust(paths, { uid });
  if (problems.length) throw new UntrustedDirectoryError(problems);
}

/**
 * The checks alone, creating nothing (for `driveup doctor` too). Trusted means, like ssh's
 * StrictModes: the configuration, data and log directories and settings.json belong to this user
 * and nobody else may write them; every folder above them belongs to this user or root and is not
 * writable by others (unless sticky, as /tmp is: nobody can rename another's entry there); no
 * symbolic link stands among the log files and the token files.
 */
export async function checkDirectoryTrust(
  paths: DriveUpPaths,
  options: TrustOptions = {},
): Promise<TrustProblem[]> {
  const uid = options.uid ?? process.getuid?.();
  if (uid === undefined) return [];
  const problems = new Map<string, TrustProblem>();
  const note = (problem: TrustProblem | null) => {
    if (problem) problems.set(`${problem.kind}:${problem.path}`, problem);
  };
  for (const dir of ownDirectories(paths)) {
    const found = await statOrNull(dir);
    if (!found) continue;
    note(found.isDirectory() ? ownedProblem(dir, found, uid) : notA('directory', dir, found));
    for (const problem of await ancestorProblems(dir, uid)) note(problem);
  }
  const settings = await statOrNull(paths.settingsFile);
  if (settings) {
    note(
      settings.isFile()
        ? ownedProblem(paths.settingsFile, settings, uid)
        : notA('file', paths.settingsFile, settings),
    );
  }
  // Where DriveUp writes: logs (current.log is its own link to the newest) and tokens.
  for (const name of await namesIn(paths.stateDir)) {
    if (name !== 'current.log') note(await linkProblem(join(paths.stateDir, name)));
  }
  for (const name of await namesIn(paths.secretsDir)) {
    note(await linkProblem(join(paths.secretsDir, name)));
  }
  return [...problems.values()];
}

function ownDirectories(paths: DriveUpPaths): string[] {
  return [...new Set([paths.configDir, paths.dataDir, paths.stateDir])];
}

/** Parents with the default mode; the directory itself 0700 (never loosened if it exists). */
async function createPrivateDirectory(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: PRIVATE_DIR });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function ownedProblem(path: string, found: Stats, uid: number): TrustProblem | null {
  if (found.uid !== uid) {
    return { kind: 'foreign-owner', path, detail: `owned by uid ${found.uid}, not ${uid}` };
  }
  if (found.mode & WRITABLE_BY_OTHERS) {
    return { kind: 'writable-by-others', path, detail: `mode ${modeOf(found)}` };
  }
  return null;
}

/** The folders above `dir` (its real location): another user's folder can swap it for theirs. */
async function ancestorProblems(dir: string, uid: number): Promise<TrustProblem[]> {
  const problems: TrustProblem[] = [];
  let path = await realpath(dir);
  for (let parent = dirname(path); parent !== path; path = parent, parent = dirname(path)) {
    const found = await stat(parent);
    if (found.uid !== uid && found.uid !== 0) {
      problems.push({
        kind: 'foreign-owner',
        path: parent,
        detail: `owned by uid ${found.uid}, not ${uid} or root`,
      });
    } else if (found.mode & WRITABLE_BY_OTHERS && !(found.mode & STICKY)) {
      problems.push({ kind: 'writable-by-others', path: parent, detail: `mode ${modeOf(found)}` });
    }
  }
  return problems;
}

async function linkProblem(path: string): Promise<TrustProblem | null> {
  const found = await lstat(path).catch(() => null);
  if (!found?.isSymbolicLink()) return null;
  const target = await realpath(path).catch(() => 'nothing');
  return { kind: 'symlink', path, detail: `points to ${target}` };
}

function notA(what: 'directory' | 'file', path: string, found: Stats): TrustProblem {
  const kind = what === 'directory' ? 'not-a-directory' : 'not-a-file';
  const is = found.isDirectory() ? 'a directory' : found.isFile() ? 'a file' : 'something else';
  return { kind, path, detail: `it is ${is}` };
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function namesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

function modeOf(found: Stats): string {
  return (found.mode & 0o7777).toString(8).padStart(3, '0');
}
