import type { SkippedPath, SkipReason } from '../core/queue/skipped-path.ts';
import type {
  AddedJobView as AddedJob,
  JobView as Job,
  PlannedFileView as PlannedFile,
} from './api-views.ts';
import { formatBytes } from './human-format.ts';
import { escapeControl } from './terminal-text.ts';

/** A Drive folder as people read it: the top of My Drive has no path of its own. */
export function folderLabel(folderPath: string): string {
  return folderPath === '' ? 'My Drive' : escapeControl(folderPath);
}

/** "already in Lab/2026 since 2 Dec 2026, 14:31: https://…" — what a second add of a file says. */
export function alreadyUploaded(job: Job): string {
  const since = job.finishedAt ? ` since ${formatDate(job.finishedAt)}` : '';
  const link = job.webViewLink ? `: ${escapeControl(job.webViewLink)}` : '';
  return `already in ${folderLabel(job.folderPath)}${since}${link}`;
}

/** One line per file of an add that does not wait: what adding it did, and where it goes. */
export function addedLine(job: AddedJob): string {
  const name = escapeControl(job.name);
  switch (job.added) {
    case 'queued':
      return `queued           ${name}  → ${folderLabel(job.folderPath)}`;
    case 'already-queued':
      return `already queued   ${name}  → ${folderLabel(job.folderPath)} (${job.state})`;
    case 'already-uploaded':
      return `not uploaded     ${name}  ${alreadyUploaded(job)}`;
  }
}

/** One line per file of a dry run. */
export function plannedLine(file: PlannedFile): string {
  const name = escapeControl(file.name);
  const where = `→ ${folderLabel(file.folderPath)}`;
  switch (file.added) {
    case 'queued':
      return `would queue      ${name} (${formatBytes(file.size)})  ${where}`;
    case 'already-queued':
      return `already queued   ${name}  ${where}`;
    case 'already-uploaded':
      return `would skip       ${name}  ${file.job ? alreadyUploaded(file.job) : where}`;
  }
}

const REASON_WORDS: Record<SkipReason, [one: string, many: string]> = {
  symlink: ['symbolic link', 'symbolic links'],
  hidden: ['hidden file', 'hidden files'],
  special: ['special file (FIFO, socket or device)', 'special files (FIFOs, sockets, devices)'],
  protected: ["file of DriveUp's own", "files of DriveUp's own"],
  outside: ['link leading outside its folder', 'links leading outside their folder'],
};

/**
 * "3 skipped: 2 symbolic links, 1 hidden file; use --include-hidden / --follow-symlinks", or
 * null when nothing was left out. The flags are named only for what they would change.
 */
export function skippedSummary(skipped: readonly SkippedPath[]): string | null {
  if (!skipped.length) return null;
  const counts = new Map<SkipReason, number>();
  for (const { reason } of skipped) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const order = Object.keys(REASON_WORDS) as SkipReason[];
  const parts = [...counts]
    .sort(([a, n], [b, m]) => m - n || order.indexOf(a) - order.indexOf(b))
    .map(([reason, n]) => `${n} ${REASON_WORDS[reason][n === 1 ? 0 : 1]}`);
  const flags = [
    counts.has('hidden') && '--include-hidden',
    counts.has('symlink') && '--follow-symlinks',
  ].filter(Boolean);
  const hint = flags.length ? `; use ${flags.join(' / ')}` : '';
  return `${skipped.length} skipped: ${parts.join(', ')}${hint}`;
}

/** The closing line of an add: how many files went where, and what was not uploaded again. */
export function addTotals(jobs: readonly AddedJob[]): string {
  const count = (added: AddedJob['added']) => jobs.filter((job) => job.added === added).length;
  const parts = [
    `${count('queued')} of ${jobs.length} file(s) queued`,
    count('already-queued') && `${count('already-queued')} already queued`,
    count('already-uploaded') &&
      `${count('already-uploaded')} already in Drive (add --force to upload again)`,
  ].filter(Boolean);
  return `${parts.join('; ')}.`;
}

function formatDate(date: Date): string {
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
