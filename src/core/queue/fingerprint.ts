import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileErrorWords, fileTypeWords } from './file-problem.ts';

/** One version of one local file, as far as the queue can tell without reading it. */
export interface FileVersion {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * The identity of a job: absolute path, size and modification time. Reading the content of every
 * file at enqueue time would cost a full read of a 100,000-file backlog, so the content MD5 is
 * added to the job once an upload has read it, and Drive's MD5 is checked against it; a file
 * whose content changes touches its size or mtime, which makes it a new version (a new job).
 */
export function fingerprintOf(version: Pick<FileVersion, 'path' | 'size' | 'mtimeMs'>): string {
  return `${version.size}:${version.mtimeMs}:${version.path}`;
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
