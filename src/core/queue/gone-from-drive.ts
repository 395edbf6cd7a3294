import type { Job } from './job.ts';

/**
 * At most this many files of one add are looked up in Drive. A person re-adding a few files, or a
 * folder of a few hundred, is answered truly; a folder of 50,000 already uploaded is not held up
 * for minutes of lookups (beyond the limit, what was last known is answered).
 */
export const LOOKUP_LIMIT = 1000;
/** Lookups out at once: an add of hundreds of files answers in about a second. */
const LOOKUPS_AT_ONCE = 8;
/** An add is answered within this even when Drive does not answer: the lookups are a courtesy. */
const LOOKUP_TIMEOUT_MS = 10_000;

export type IsInDrive = (fileId: string, signal: AbortSignal) => Promise<boolean>;

/**
 * Of the uploads an add would answer "already in Drive", those Drive no longer has, or has in its
 * trash: deleted there, not through DriveUp (which forgets what it moves to the trash). Only an
 * answer from Drive counts: a lookup that fails (offline, signed out, a timeout) leaves the upload
 * as it was known.
 */
export async function goneFromDrive(
  uploads: readonly Pick<Job, 'id' | 'driveFileId'>[],
  isInDrive: IsInDrive,
  timeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<Set<string>> {
  const toLookUp = uploads.filter((job) => job.driveFileId !== null).slice(0, LOOKUP_LIMIT);
  const signal = AbortSignal.timeout(timeoutMs);
  const gone = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toLookUp.length && !signal.aborted) {
      const job = toLookUp[next++]!;
      const live = await isInDrive(job.driveFileId!, signal).catch(() => true);
      if (!live) gone.add(job.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, toLookUp.length) }, worker));
  return gone;
}
