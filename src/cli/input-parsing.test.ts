import { describe, expect, it } from 'vitest';
import { escapeControl, escapeControlKeepingLines } from './terminal-text.ts';
import { parseDuration, parseTime } from './time-input.ts';

describe('parseTime', () => {
  const now = new Date(2026, 10, 17, 15, 30, 0);

  it('reads a time back from now, today and yesterday (local midnight)', () => {
    expect(parseTime('10m', now)).toEqual(new Date(2026, 10, 17, 15, 20, 0));
    expect(parseTime('2h', now)).toEqual(new Date(2026, 10, 17, 13, 30, 0));
    expect(parseTime('3 days ago', now)).toEqual(new Date(now.getTime() - 3 * 86_400_000));
    expect(parseTime('1w', now)).toEqual(new Date(now.getTime() - 7 * 86_400_000));
    expect(parseTime('today', now)).toEqual(new Date(2026, 10, 17));
    expect(parseTime('Yesterday', now)).toEqual(new Date(2026, 10, 16));
  });

  it('reads local dates and date-times, and ISO times with their offset', () => {
    expect(parseTime('2026-11-01', now)).toEqual(new Date(2026, 10, 1));
    expect(parseTime('2026-11-01 14:05', now)).toEqual(new Date(2026, 10, 1, 14, 5));
    expect(parseTime('2026-11-01T14:05:09', now)).toEqual(new Date(2026, 10, 1, 14, 5, 9));
    expect(parseTime('2026-11-01T14:05:09Z', now)).toEqual(
      new Date(Date.UTC(2026, 10, 1, 14, 5, 9)),
    );
    expect(parseTime('2026-11-01T14:05+01:00', now)).toEqual(
      new Date(Date.UTC(2026, 10, 1, 13, 5)),
    );
  });

  it('refuses what it cannot read exactly, including dates that do not exist', () => {
    for (const text of [
      'last tuesday',
      '2026-02-30',
      '2026-11-01 25:00',
      '3/4',
      '10',
      '',
      'tomorrow',
    ])
      expect(parseTime(text, now), text).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it('reads durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5 minutes')).toBe(90_000);
    expect(parseDuration('2 fortnights')).toBeUndefined();
  });
});

describe('escapeControl', () => {
  it('shows C0, DEL, C1 and bidi controls as escapes, and leaves other text alone', () => {
    expect(escapeControl('a\x1b]0;t\x07\x1b[2Jb')).toBe('a\\x1b]0;t\\x07\\x1b[2Jb');
    expect(escapeControl('line\nbreak\ttab\x7f\x9b')).toBe('line\\x0abreak\\x09tab\\x7f\\x9b');
    expect(escapeControl('report\u202Efdp.exe \u2066x')).toBe('report\\u202efdp.exe \\u2066x');
    expect(escapeControl('Überweisung 長い 📄.pdf')).toBe('Überweisung 長い 📄.pdf');
    expect(escapeControlKeepingLines('one\ntwo\x1b')).toBe('one\ntwo\\x1b');
  });
});
