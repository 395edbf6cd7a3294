import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from '../store/migration.ts';
import { withDestination } from './fingerprint.ts';

const BATCH = 5000;

/**
 * Schema step 7: a job's identity includes its destination, and transient failures are retried for
 * a window of time rather than a number of attempts.
 *
 * - `fingerprint` gains the destination folder (see fingerprint.ts): the same file added to
 *   another folder is another upload. Existing rows are rewritten from their stored text, so the
 *   file part stays exactly what it was.
 * - `failing_since` (epoch ms) is when the current run of transient failures began; a job fails
 *   for good only once that run outlasts the retry window. NULL while the job is not failing.
 */
export const destinationIdentityMigration: Migration = {
  version: 7,
  name: 'destination in job identity, retry window',
  up: (db) => {
    db.exec('ALTER TABLE jobs ADD COLUMN failing_since INTEGER');
    rewriteFingerprints(db);
  },
};

function rewriteFingerprints(db: DatabaseSync): void {
  const page = db.prepare(
    'SELECT seq, fingerprint, folder_path FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const update = db.prepare('UPDATE jobs SET fingerprint = ? WHERE seq = ?');
  let after = 0;
  for (;;) {
    const rows = page.all(after, BATCH) as Array<{
      seq: number;
      fingerprint: string;
      folder_path: string;
    }>;
    for (const row of rows) update.run(withDestination(row.fingerprint, row.folder_path), row.seq);
    if (rows.length < BATCH) return;
    after = rows.at(-1)!.seq;
  }
}
