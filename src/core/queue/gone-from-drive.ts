import type { Job } from './job.ts';

/**
 * At most this many files of one add are looked up in Drive, and for no longer than the deadline
 * below. A person re-adding a few files, or a folder of a hundred or two, is answered truly; a
 * folder of 50,000 already uploaded is not held up for minutes of lookups (what is not looked up
 * in time is answered as last known).
 */
export const LOOKUP_LIMIT = 1000;
/** Lookups out at once: at Drive's usual 100-200 ms, some 200 files within the deadline. */
const LOOKUPS_AT_ONCE = 8;
/** The add's answer waits no longer than this for Drive, even when Drive does not answer. */
const LOOKUP_TIMEOUT_MS = 5_000;

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
