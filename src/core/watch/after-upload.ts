import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { codeOf } from './tree-scanner.ts';
import type { JobOutcomeJob } from './watch-sink.ts';
import type { AfterUpload } from './watch-rules.ts';

export type AfterUploadResult =
  | { done: 'kept' | 'deleted' }
  | { done: 'moved'; to: string }
  /** `warn`: a person should hear of it (a file changed after upload is simply uploaded again). */
  | { done: 'skipped'; reason: string; warn: boolean };

/**
 * Applies a rule's after-upload action to a file Drive now holds. The file must still be the
 * version that was uploaded (same size and time): a file rewritten since is new content, left in
 * place for its own upload. Deleting is the one step that cannot be undone, so it also needs
 * Drive's confirmed MD5, and the local bytes are hashed once more to match it.
 */
export async function applyAfterUpload(
  action: AfterUpload,
  file: string,
  relativePath: string,
  job: JobOutcomeJob,
): Promise<AfterUploadResult> {
  if (action.action === 'keep') return { done: 'kept' };
  const unchanged = await stillUploadedVersion(file, job);
  if (!unchanged)
    return { done: 'skipped', reason: `${file} changed or vanished after upload`, warn: false };
  if (action.action === 'move')
    return { done: 'moved', to: await moveInto(file, action.folder, relativePath) };
  return deleteVerified(file, job);
}

async function deleteVerified(file: string, job: JobOutcomeJob): Promise<AfterUploadResult> {
  if (!job.md5 || !job.driveFileId) {
    return {
      done: 'skipped',
      reason: `${file} was kept: Drive did not confirm its MD5`,
      warn: true,
    };
  }
  const local = await md5Of(file);
  if (local !== job.md5.toLowerCase()) {
    return {
      done: 'skipped',
      reason: `${file} was kept: its content no longer matches the upload`,
      warn: true,
    };
  }
  if (!(await stillUploadedVersion(file, job))) {
    return { done: 'skipped', reason: `${file} changed while it was being verified`, warn: false };
  }
  await unlink(file);
  return { done: 'deleted' };
}

async function stillUploadedVersion(file: string, job: JobOutcomeJob): Promise<boolean> {
  try {
    const now = await stat(file);
    return now.size === job.size && Math.floor(now.mtimeMs) === Math.floor(job.mtimeMs);
  } catch {
    return false;
  }
}

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Keeps the file's place in the tree under the target, never overwriting: `name (1).ext`. */
async function moveInto(file: string, folder: string, relativePath: string): Promise<string> {
  const wanted = join(folder, relativePath);
  await mkdir(dirname(wanted), { recursive: true });
  const target = await freeName(wanted);
  try {
    await rename(file, target);
  } catch (error) {
    if (codeOf(error) !== 'EXDEV') throw error;
    // Another disk: copy, then remove the original only once the copy is complete.
    await copyFile(file, target, constants.COPYFILE_EXCL);
    await unlink(file);
  }
  return target;
}

async function freeName(path: string): Promise<string> {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : `${stem} (${n})${ext}`;
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw error;
  }
}
