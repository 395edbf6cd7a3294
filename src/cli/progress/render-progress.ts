import stringWidth from 'string-width';
import { formatBytes, formatDuration } from '../human-format.ts';
import { alreadyUploaded } from '../add-report.ts';
import { escapeControl } from '../terminal-text.ts';
import { isFinal, type FileProgress, type ProgressSnapshot } from './upload-progress.ts';

export interface TerminalSize {
  columns: number;
  rows: number;
}

const BAR_WIDTH = 20;

/**
 * What an `add --wait` shows at a terminal, as lines: one overall line (files done of all, bytes,
 * speed, ETA), the queue's pause reason if it has one, then the files being uploaded or waiting
 * to retry, as many as the terminal has rows for. Every line fits the width, so the region can be
 * redrawn in place; names and errors come escaped.
 */
export function renderProgress(
  snapshot: ProgressSnapshot,
  size: TerminalSize,
  now: number,
): string[] {
  const fit = (line: string) => truncate(line, Math.max(10, size.columns - 1));
  if (snapshot.phase === 'adding') {
    const elapsed = formatDuration(Math.max(0, now - snapshot.startedAt));
    return [fit(`Adding ${describePaths(snapshot.paths)}… ${elapsed}`)];
  }
  const lines = [overallLine(snapshot)];
  if (snapshot.pauseReason) lines.push(`Paused: ${escapeControl(snapshot.pauseReason)}`);
  const active = activeFiles(snapshot.files);
  // Keep the last row free: the cursor sits there, and a full screen would scroll.
  const room = Math.max(1, size.rows - lines.length - 1);
  const shown = active.length > room ? active.slice(0, room - 1) : active;
  lines.push(...shown.map((file) => fileLine(file, now)));
  if (shown.length < active.length) lines.push(`  … and ${active.length - shown.length} more`);
  return lines.map(fit);
}

/** The line a finished file gets, printed once, above the live lines or alone when piped. */
export function finishedLine(file: FileProgress): string {
  const { job } = file;
  const name = escapeControl(job.name);
  if ('added' in job && job.added === 'already-uploaded') {
    return `not uploaded ${name}  ${alreadyUploaded(job)}`;
  }
  switch (job.state) {
    case 'done':
      return `uploaded   ${name} (${formatBytes(job.size)})  ${escapeControl(job.webViewLink ?? '')}`.trimEnd();
    case 'failed':
      return `failed     ${name}  ${escapeControl(job.error ?? '')}`.trimEnd();
    default:
      return `${job.state.padEnd(10)} ${name}`;
  }
}

function overallLine(snapshot: ProgressSnapshot): string {
  const files = snapshot.files;
  const total = sum(files.map((f) => f.job.size));
  const sent = sum(files.map((f) => Math.min(f.sentBytes, f.job.size)));
  const remaining = sum(
    files.filter((f) => !isFinal(f.job)).map((f) => Math.max(0, f.job.size - f.sentBytes)),
  );
  const done = files.filter((f) => f.job.state === 'done').length;
  const failed = files.filter((f) => f.job.state === 'failed').length;
  const cancelled = files.filter((f) => f.job.state === 'cancelled').length;
  const ratio = total > 0 ? sent / total : files.length ? done / files.length : 1;
  const speed = snapshot.bytesPerSecond;
  const eta =
    remaining === 0 ? '0s' : speed && speed > 0 ? formatDuration((remaining / speed) * 1000) : '—';
  const parts = [
    `${bar(ratio)} ${String(Math.floor(ratio * 100)).padStart(3)}%`,
    `${done.toLocaleString('en-US')}/${files.length.toLocaleString('en-US')} files`,
    `${formatBytes(sent)} of ${formatBytes(total)}`,
    speed === null ? '—/s' : `${formatBytes(Math.round(speed))}/s`,
    `ETA ${eta}`,
  ];
  if (failed) parts.push(`${failed} failed`);
  if (cancelled) parts.push(`${cancelled} cancelled`);
  return parts.join('  ');
}

/** Uploading first (most progressed first), then those waiting to retry (soonest first). */
function activeFiles(files: readonly FileProgress[]): FileProgress[] {
  const running = files
    .filter((f) => f.job.state === 'running')
    .sort((a, b) => b.sentBytes / (b.job.size || 1) - a.sentBytes / (a.job.size || 1));
  const retrying = files
    .filter((f) => f.job.state === 'retrying')
    .sort((a, b) => time(a.job.nextAttemptAt) - time(b.job.nextAttemptAt));
  return [...running, ...retrying];
}

function fileLine(file: FileProgress, now: number): string {
  const { job } = file;
  const name = escapeControl(job.name);
  if (job.state === 'retrying') {
    const wait = job.nextAttemptAt ? Math.max(0, job.nextAttemptAt.getTime() - now) : 0;
    const when = wait < 1000 ? 'now' : `in ${formatDuration(wait)}`;
    const why = escapeControl(job.error ?? 'failed');
    return `  ${name}  retrying ${when} (attempt ${job.attempts + 1}): ${why}`;
  }
  const percent = job.size ? Math.floor((Math.min(file.sentBytes, job.size) / job.size) * 100) : 0;
  return `  ${name}  ${String(percent).padStart(3)}%  ${formatBytes(file.sentBytes)} of ${formatBytes(job.size)}`;
}

function describePaths(paths: readonly string[]): string {
  if (paths.length === 1) return escapeControl(paths[0]!);
  return `${paths.length} paths`;
}

function bar(ratio: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, ratio)) * BAR_WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
}

/** Cuts a line to `width` terminal columns (wide characters count two), marking the cut. */
function truncate(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  let out = '';
  let used = 0;
  for (const char of line) {
    const w = stringWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function time(date: Date | null): number {
  return date ? date.getTime() : 0;
}
