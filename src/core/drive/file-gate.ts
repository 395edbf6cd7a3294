import type { Stats } from 'node:fs';
import { constants, fstatSync, readlinkSync } from 'node:fs';
import { lstat, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { OwnPaths } from '../config/own-paths.ts';
import {
  hardLinkRefusal,
  NAMED_FILE,
  scopeRefusal,
  type FileScope,
  type ScopeRefusal,
} from './file-scope.ts';
import { UploadError } from './uploader.ts';

export interface GateRequest {
  path: string;
  name: string;
  /** Where the file was found; a file a person named when absent. */
  scope?: FileScope | undefined;
}

export interface OpenedFile {
  handle: FileHandle;
  /** fstat of the handle: what is really being read, whatever the path leads to now. */
  stats: Stats;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A FIFO or a device must never block the open (a FIFO's open waits for a writer otherwise). */
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const ROOTS_CACHED = 64;

/**
 * Opens files for upload so that what is read is what the job's source allows, judged on the
 * opened handle, not on a path checked earlier (which a link swapped in after the scan would
 * defeat): O_NOFOLLOW where links are not followed, O_NONBLOCK so a FIFO cannot wedge a slot, then
 * fstat (a regular file) and the handle's real location (inside the folder it was found in,
 * never in DriveUp's own files). Both are answered from memory, so the open is the only thread
 * pool trip before the first read (a path stat and an open were two).
 */
export class FileGate {
  readonly #own: OwnPaths | undefined;
  /** Real paths of the folders files were found in: one realpath per folder, not per file. */
  readonly #roots = new Map<string, Promise<RealRoot>>();

  constructor(own?: OwnPaths) {
    this.#own = own;
  }

  async open(request: GateRequest): Promise<OpenedFile> {
    const scope = request.scope ?? NAMED_FILE;
    const noLinks = scope.foundIn !== null && !scope.followLinks;
    let handle: FileHandle;
    try {
      handle = await open(request.path, constants.O_RDONLY | NONBLOCK | (noLinks ? NOFOLLOW : 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (noLinks && (code === 'ELOOP' || code === 'EMLINK')) {
        throw refused(
          `${request.path} is now a symbolic link; links in ${scope.foundIn} are not followed, so it was not uploaded`,
        );
      }
      // ENXIO: a socket, or a device without its hardware; a regular file never answers that.
      if (code === 'ENXIO') throw notRegular(request.path);
      throw unreadableFile(request.name, error);
    }
    try {
      // Synchronous: right after an open, the inode is in memory (NFS too: open revalidates its
      // attributes), so fstat answers at once, where a thread-pool trip would cost a turn of a
      // busy event loop for every small file.
      const stats = fstatSync(handle.fd);
      const [realPath, realRoot] = await Promise.all([
        realPathOf(handle.fd, request.path),
        scope.foundIn === null ? null : this.#realRoot(scope.foundIn),
      ]);
      if (!stats.isFile()) throw notRegular(request.path);
      if (!realPath.exact) await assertSameInode(realPath.path, stats, request.name);
      await this.#assertAllowed(request, realPath.path, stats, scope, realRoot);
      return { handle, stats };
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  async #assertAllowed(
    { path, name }: GateRequest,
    realPath: string,
    stats: Stats,
    scope: FileScope,
    realRoot: RealRoot | null,
  ): Promise<void> {
    // The handle's file was deleted after it was opened (a name may really end like that).
    if (realPath.endsWith(DELETED) && stats.nlink === 0)
      throw unreadableFile(name, { code: 'ENOENT' });
    const check = { path, realPath, scope, realRoot: realRoot?.path ?? null, own: this.#own };
    let refusal = replacedRoot(scope, realRoot) ?? scopeRefusal(check);
    if (refusal && refusal.reason !== 'protected' && scope.foundIn !== null) {
      // The folder itself may have moved (a remount, a renamed parent): look at it afresh once.
      this.#roots.delete(scope.foundIn);
      const fresh = await this.#realRoot(scope.foundIn);
      refusal = replacedRoot(scope, fresh) ?? scopeRefusal({ ...check, realRoot: fresh.path });
    }
    refusal ??= await hardLinkRefusal(path, stats, this.#own);
    if (refusal) throw refused(refusal.message);
  }

  #realRoot(folder: string): Promise<RealRoot> {
    let real = this.#roots.get(folder);
    if (!real) {
      if (this.#roots.size >= ROOTS_CACHED) this.#roots.clear();
      real = Promise.all([
        realpath(folder).catch(() => folder),
        lstat(folder).then(
          (found) => found.isSymbolicLink(),
          () => false,
        ),
      ]).then(([path, isLink]) => ({ path, isLink }));
      this.#roots.set(folder, real);
    }
    return real;
  }
}

/** Where a folder files were found in really is, and whether its own name is now a link. */
interface RealRoot {
  path: string;
  isLink: boolean;
}

/**
 * A watched folder that is now a symbolic link was replaced after it was chosen (by its owner, or
 * by another user who can write in the folder above it): what the link leads to was never chosen.
 */
function replacedRoot(scope: FileScope, root: RealRoot | null): ScopeRefusal | null {
  if (!scope.realWhenChosen || !root?.isLink) return null;
  return {
    reason: 'symlink',
    message: `The watched folder ${scope.foundIn} is now a symbolic link (to ${root.path}): it was replaced after it was chosen, so nothing is uploaded through it. To upload from there, watch that folder itself.`,
  };
}

/** What /proc adds to the name of an open file that has been deleted. */
const DELETED = ' (deleted)';

/**
 * Where the handle's file really is. Linux names it in /proc: what the kernel opened, so no race
 * with the path, and read synchronously because it is answered from memory (no disk, no thread
 * pool trip). Elsewhere the path is resolved and its inode compared with the handle's.
 */
async function realPathOf(fd: number, path: string): Promise<{ path: string; exact: boolean }> {
  if (process.platform === 'linux') {
    try {
      return { path: readlinkSync(`/proc/self/fd/${fd}`), exact: true };
    } catch {
      // No /proc mounted: resolve the path instead.
    }
  }
  return { path: await realpath(path), exact: false };
}

async function assertSameInode(realPath: string, opened: Stats, name: string): Promise<void> {
  const found = await stat(realPath).catch(() => null);
  if (found?.dev !== opened.dev || found.ino !== opened.ino) throw changedFile(name);
}

function notRegular(path: string): UploadError {
  return new UploadError('permanent', `${path} is no longer a regular file`);
}

function refused(message: string): UploadError {
  return new UploadError('permanent', message);
}

/** The file changed: its final content will be uploaded. */
export function changedFile(name: string): UploadError {
  return new UploadError(
    'changed',
    `File ${name} changed while it was being uploaded: its final content will be uploaded`,
  );
}

export function unreadableFile(name: string, error: unknown): UploadError {
  const code = (error as { code?: unknown } | null)?.code;
  const message =
    code === 'ENOENT'
      ? `File ${name} was deleted before it was uploaded`
      : code === 'EACCES' || code === 'EPERM'
        ? `File ${name} cannot be read: permission denied. Let the user DriveUp runs as read it, then retry`
        : `File ${name} cannot be read (${typeof code === 'string' ? code : 'read error'}): check that it exists and DriveUp may read it, then retry`;
  return new UploadError('permanent', message, { cause: error });
}
