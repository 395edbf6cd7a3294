import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileErrorWords, fileTypeWords } from './file-problem.ts';
import { normalizeFolderPath } from '../config/folder-path.ts';

/** One version of one local file, as far as the queue can tell without reading it. */
export interface FileVersion {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * The identity of a job: one version of one local file (absolute path, size and modification
 * time) bound for one destination folder. The same file added to another folder is another upload;
 * added again to the same folder, it is the same job. Reading the content of every file at enqueue
 * time would cost a full read of a 100,000-file backlog, so the content MD5 is added to the job
 * once an upload has read it, and Drive's MD5 is checked against it; a file whose content changes
 * touches its size or mtime, which makes it a new version (a new job).
 *
 * The folder is written in its canonical spelling (see folder-path.ts) with `%` and `:` escaped,
 * so that no folder name can make two different destinations read alike; the path comes last and
 * needs no escaping.
 */
export function fingerprintOf(
  version: Pick<FileVersion, 'path' | 'size' | 'mtimeMs'> & { folderPath: string },
): string {
  return withDestination(`${version.size}:${version.mtimeMs}:${version.path}`, version.folderPath);
}

/**
 * Adds the destination to a fingerprint of schema 2 to 5 (`size:mtime:path`); the migration of
 * existing jobs uses it on the stored text, so that old and new fingerprints agree to the byte.
 */
export function withDestination(fileFingerprint: string, folderPath: string): string {
  const [size, mtime] = fileFingerprint.split(':', 2);
  const path = fileFingerprint.slice(`${size}:${mtime}:`.length);
  return `${size}:${mtime}:${escapeFolder(normalizeFolderPath(folderPath))}:${path}`;
}

function escapeFolder(folder: string): string {
  return folder.replaceAll('%', '%25').replaceAll(':', '%3A');
}

export class UnreadableFileError extends Error {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'UnreadableFileError';
    this.path = path;
  }
}

/** Stats a file to be uploaded: only regular files can be. */
export async function readFileVersion(path: string): Promise<FileVersion> {
  const absolute = resolve(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    throw new UnreadableFileError(absolute, `${absolute} ${fileErrorWords(error)}`, error);
  }
  if (!info.isFile()) {
    throw new UnreadableFileError(
      absolute,
      `${absolute} is not a file: it is ${fileTypeWords(info)} (only regular files are uploaded)`,
    );
  }
  return { path: absolute, name: basename(absolute), size: info.size, mtimeMs: info.mtimeMs };
}
