import { readFileVersion, UnreadableFileError, type FileVersion } from './fingerprint.ts';

/** Files that cannot be queued; nothing of the batch was queued. */
export class EnqueueError extends Error {
  readonly problems: ReadonlyArray<{ path: string; reason: string }>;
  constructor(problems: ReadonlyArray<{ path: string; reason: string }>) {
    const first = problems[0]?.reason ?? 'no files';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`Nothing was queued: ${first}${more}`);
    this.name = 'EnqueueError';
    this.problems = problems;
  }
}

/**
 * Stats every file, a bounded number at a time: 100,000 stats in flight at once would hold as
 * many pending requests in memory for no gain (libuv runs four at a time anyway).
 */
export async function readFileVersions(paths: readonly string[]): Promise<FileVersion[]> {
  const versions = new Array<FileVersion>(paths.length);
  // By the index named: stats finish in any order, and the first problem is the one reported.
  const problems: Array<{ path: string; reason: string }> = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      try {
        versions[index] = await readFileVersion(paths[index]!);
      } catch (error) {
        if (!(error instanceof UnreadableFileError)) throw error;
        problems[index] = { path: error.path, reason: error.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, paths.length) }, worker));
  if (problems.length) throw new EnqueueError(problems.filter(Boolean));
  return versions;
}
