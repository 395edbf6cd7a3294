import type { Stats } from 'node:fs';

/** A Stats or a Dirent: both say what kind of entry a path is. */
export type EntryKind = Pick<
  Stats,
  | 'isFile'
  | 'isDirectory'
  | 'isFIFO'
  | 'isSocket'
  | 'isCharacterDevice'
  | 'isBlockDevice'
  | 'isSymbolicLink'
>;

/**
 * Why a local path cannot be used, in words: what the error really is (a permission denied is not
 * a missing file), so that the person knows what to change.
 */
export function fileErrorWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is a file, not a folder)';
    case 'EACCES':
    case 'EPERM':
      return "cannot be read: permission denied (DriveUp runs as a user who may not read it; change the file's permissions or its folder's)";
    case 'ELOOP':
      return 'cannot be read: too many symbolic links (a link loop)';
    case 'ENAMETOOLONG':
      return 'cannot be read: the name is too long';
    case 'EIO':
      return 'cannot be read: input/output error (a failing disk or a lost network share)';
    default:
      return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}

/** What a path is when it is not a regular file, e.g. "a FIFO (named pipe)". */
export function fileTypeWords(stats: EntryKind): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return stats.isFile() ? 'a regular file' : 'not a regular file';
}
