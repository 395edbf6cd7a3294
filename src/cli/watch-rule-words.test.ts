import { describe, expect, it } from 'vitest';
import { ruleFilesWords } from './watch-rule-words.ts';

const none = {
  seen: 0,
  pending: 0,
  queued: 0,
  retrying: 0,
  uploaded: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
};

describe('a watch rule’s files in one cell', () => {
  it('names only the states that hold files, seen always', () => {
    expect(ruleFilesWords(none)).toBe('0 seen');
    expect(ruleFilesWords({ ...none, seen: 120, pending: 2, uploaded: 117, failed: 1 })).toBe(
      '120 seen, 2 settling, 117 uploaded, 1 failed',
    );
    expect(ruleFilesWords({ ...none, seen: 3, queued: 1, retrying: 2, skipped: 4 })).toBe(
      '3 seen, 1 queued, 2 retrying, 4 skipped',
    );
  });
});
