import type { RuleStatusView } from './api-views.ts';

const COUNTED = [
  ['pending', 'settling'],
  ['queued', 'queued'],
  ['retrying', 'retrying'],
  ['uploaded', 'uploaded'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['skipped', 'skipped'],
] as const;

/**
 * A rule's files in one cell, "120 seen, 2 settling, 117 uploaded, 1 failed, 3 skipped": only the states
 * that hold files, so `watch list` fits a terminal (six count columns wrapped at 100 columns).
 */
export function ruleFilesWords(counts: RuleStatusView['counts']): string {
  const held = COUNTED.filter(([key]) => counts[key] > 0).map(
    ([key, word]) => `${counts[key]} ${word}`,
  );
  return [`${counts.seen} seen`, ...held].join(', ');
}
