import type { BatchJob } from './notification-batch.ts';

/**
 * One sentence for a batch of finished uploads, as its notification says it:
 * "12 files uploaded to Lab/2026", "3 files uploaded to 2 folders",
 * "1 upload failed: Drive storage is full", "12 uploaded to Lab/2026, 1 failed".
 */
export function summarizeBatch(jobs: readonly BatchJob[]): string {
  const done = jobs.filter((job) => job.state === 'done');
  const failed = jobs.filter((job) => job.state === 'failed');
  if (failed.length === 0) return uploadedSentence(done);
  if (done.length === 0) return failedSentence(failed);
  return `${done.length} uploaded ${destination(done)}, ${failed.length} failed`;
}

function uploadedSentence(done: readonly BatchJob[]): string {
  const [only] = done;
  if (done.length === 1 && only) return `${only.name} uploaded to ${only.folder}`;
  return `${done.length} files uploaded ${destination(done)}`;
}

/** The reason is named when every failure has the same one; several reasons are for Review. */
function failedSentence(failed: readonly BatchJob[]): string {
  const count = failed.length === 1 ? '1 upload' : `${failed.length} uploads`;
  const reasons = new Set(failed.map((job) => job.error));
  const [reason] = reasons;
  return reasons.size === 1 && reason ? `${count} failed: ${reason}` : `${count} failed`;
}

function destination(jobs: readonly BatchJob[]): string {
  const folders = new Set(jobs.map((job) => job.folder));
  const [folder] = folders;
  return folders.size === 1 && folder !== undefined ? `to ${folder}` : `to ${folders.size} folders`;
}
