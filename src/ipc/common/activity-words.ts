import prettyBytes from 'pretty-bytes';

/**
 * The words for what the agent is doing, in one line: the tray's tooltip and the Activity
 * window's header say the same thing ("Uploading 3 of 12 · 45 MB/s · about 1 min left",
 * "Paused by you", "Sign in to continue"). Browser-safe: pages import it too.
 */

type PauseKind = 'user' | 'auth' | 'offline' | 'disk-full';

/** The fields of `activity.summary` the headline reads (the API's ActivitySummary has them). */
export interface HeadlineSummary {
  run: { filesDone: number; filesTotal: number };
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
  running: readonly unknown[];
  pause: { kind: PauseKind; reason: string } | null;
  attention: ReadonlyArray<{ message: string }>;
}

/** The part of `auth.status` the headline reads. */
export interface HeadlineAuth {
  state: 'signed-out' | 'signing-in' | 'signed-in' | 'needs-sign-in';
}

export const SIGN_IN_TO_CONTINUE = 'Sign in to continue';
export const PAUSED_BY_YOU = 'Paused by you';
export const UP_TO_DATE = 'Up to date';

export function activityHeadline(summary: HeadlineSummary, auth: HeadlineAuth): string {
  if (auth.state === 'signing-in') return 'Finish signing in in your browser';
  if (auth.state !== 'signed-in' || summary.pause?.kind === 'auth') return SIGN_IN_TO_CONTINUE;
  if (summary.pause) return pausedWords(summary.pause.kind);
  if (isUploading(summary)) return uploadingWords(summary);
  return summary.attention[0]?.message ?? UP_TO_DATE;
}

/** Files are moving, or waiting for a slot in the current run. */
export function isUploading(summary: HeadlineSummary): boolean {
  return summary.running.length > 0 || summary.run.filesDone < summary.run.filesTotal;
}

function pausedWords(kind: PauseKind): string {
  switch (kind) {
    case 'user':
      return PAUSED_BY_YOU;
    case 'offline':
      return 'Waiting for the network';
    case 'disk-full':
      return 'Paused: the disk is full';
    case 'auth':
      return SIGN_IN_TO_CONTINUE;
  }
}

function uploadingWords(summary: HeadlineSummary): string {
  const { filesDone, filesTotal } = summary.run;
  const parts = [`Uploading ${Math.min(filesDone + 1, filesTotal)} of ${filesTotal}`];
  if (summary.rateBytesPerSecond) parts.push(formatRate(summary.rateBytesPerSecond));
  if (summary.etaSeconds != null) parts.push(formatTimeLeft(summary.etaSeconds));
  return parts.join(' · ');
}

/** "45 MB/s" (decimal units, as people read network speeds). */
export function formatRate(bytesPerSecond: number): string {
  return `${prettyBytes(bytesPerSecond, { maximumFractionDigits: 1 })}/s`;
}

/** "about 1 min left": an estimate says so, and never claims seconds it cannot know. */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 45) return 'less than a minute left';
  if (seconds < 90 * 60) return `about ${Math.max(1, Math.round(seconds / 60))} min left`;
  return `about ${Math.round(seconds / 3600)} h left`;
}
