import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatBytesOf,
  formatRate,
  formatTimeLeft,
  formatWhen,
  unfinished,
} from '../../src/windows/shared/format.ts';

describe('page formatting', () => {
  it('says sizes as the CLI does', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_400_000)).toBe('12.4 MB');
    expect(formatBytes(512_000_000)).toBe('512 MB');
    expect(formatRate(4_100_000)).toBe('4.1 MB/s');
  });

  it('puts progress in the unit of the total, never past it', () => {
    expect(formatBytesOf(12_400_000, 80_000_000)).toBe('12.4 of 80.0 MB');
    expect(formatBytesOf(900, 2_000_000_000)).toBe('0.0 of 2.0 GB');
    expect(formatBytesOf(3000, 2000)).toBe('2.0 of 2.0 kB');
  });

  it('rounds time left as people do', () => {
    expect(formatTimeLeft(4)).toBe('a few seconds left');
    expect(formatTimeLeft(45)).toBe('less than a minute left');
    expect(formatTimeLeft(80)).toBe('about 1 min left');
    expect(formatTimeLeft(3 * 3600)).toBe('about 3 h left');
    expect(formatTimeLeft(Infinity)).toBe('');
  });

  it('names today and yesterday', () => {
    const now = new Date(2026, 2, 12, 15, 0);
    expect(formatWhen(new Date(2026, 2, 12, 9, 5), now)).toMatch(/^Today /);
    expect(formatWhen(new Date(2026, 2, 11, 23, 59), now)).toMatch(/^Yesterday /);
    expect(formatWhen(new Date(2026, 0, 2, 8, 0), now)).toMatch(/2026/);
  });

  it('never shows a moving file as complete', () => {
    expect(unfinished(1)).toBe(0.99);
    expect(unfinished(0.5)).toBe(0.5);
    expect(unfinished(-1)).toBe(0);
  });
});
