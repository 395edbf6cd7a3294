import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';

/** SQLite's primary result code SQLITE_FULL: "database or disk is full". */
const SQLITE_FULL = 13;
/** Out of space, or out of the user's quota on it: either way, nothing more can be written. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** What a probe writes: enough that a page or two left over does not pass for free space. */
const PROBE_BYTES = 64 * 1024;

/** A write was refused for want of space; the message says where to free it. */
export class DiskFullError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'DiskFullError';
  }
}

/** SQLITE_FULL from node:sqlite, or ENOSPC/EDQUOT from the file system, anywhere along the cause chain. */
export function isDiskFull(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { code, errcode, cause } = current as {
      code?: unknown;
      errcode?: unknown;
      cause?: unknown;
    };
    // Extended result codes keep the primary code in the low byte.
    if (
      code === 'ERR_SQLITE_ERROR' &&
      typeof errcode === 'number' &&
      (errcode & 0xff) === SQLITE_FULL
    )
      return true;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

type DiskFullListener = (error: unknown) => void;
const listeners = new WeakMap<DatabaseSync, Set<DiskFullListener>>();

/**
 * Calls `listener` whenever a write to `db` fails for want of space, whoever wrote (the queue, the
 * watch journal, the history): the agent must hear of it even from writers that only log their
 * failure. Returns the unsubscribe function.
 */
export function onDiskFull(db: DatabaseSync, listener: DiskFullListener): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells the listeners of `db` when `error` is a full disk; anything else is ignored. */
export function reportIfDiskFull(db: DatabaseSync, error: unknown): void {
  if (!isDiskFull(error)) return;
  for (const listener of listeners.get(db) ?? []) listener(error);
}

/**
 * Where to free space, said as a person can act on it: the mount point holding `path` (the highest
 * directory above it on the same device), found with a few stats rather than by parsing the
 * system's mount table, which differs on every platform. Falls back to the path itself.
 */
export function mountPointOf(path: string): string {
  let current = existingAncestor(resolve(path));
  let device: number;
  try {
    device = statSync(current).dev;
  } catch {
    return current;
  }
  for (;;) {
    const parent = dirname(current);
    if (parent === current) return current;
    try {
      if (statSync(parent).dev !== device) return current;
    } catch {
      return current;
    }
    current = parent;
  }
}

/** "Disk full: free space on /mnt/data (holding /mnt/data/driveup/driveup.db)" */
export function diskFullReason(path: string): string {
  const mount = mountPointOf(path);
  const holding = mount === resolve(path) ? '' : ` (holding ${path})`;
  return `Disk full: free space on ${mount}${holding}; uploads continue by themselves once DriveUp can write again`;
}

/** Whether the database takes a write of some size again: the way out of a disk-full pause. */
export function probeDatabase(db: DatabaseSync): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare("INSERT INTO meta (key, value) VALUES ('disk-probe', ?)").run(
        'x'.repeat(PROBE_BYTES),
      );
      db.prepare("DELETE FROM meta WHERE key = 'disk-probe'").run();
      db.exec('COMMIT');
    } finally {
      if (db.isTransaction) db.exec('ROLLBACK');
    }
    return true;
  } catch (error) {
    if (isDiskFull(error)) return false;
    throw error;
  }
}

/** Whether a file of some size can be written in `dir` again (the log directory, staging). */
export async function probeDirectory(dir: string): Promise<boolean> {
  const file = join(dir, `.driveup-space-probe-${randomUUID()}`);
  try {
    await writeFile(file, Buffer.alloc(PROBE_BYTES), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if (isDiskFull(error)) return false;
    throw error;
  } finally {
    await unlink(file).catch(() => {});
  }
}

function existingAncestor(path: string): string {
  let current = path;
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}
