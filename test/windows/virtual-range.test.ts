import { describe, expect, it } from 'vitest';
import { scrollToShow, visibleRange } from '../../src/windows/shared/virtual-range.ts';

describe('virtual list range', () => {
  it('renders only the rows in view plus overscan, however long the list', () => {
    expect(visibleRange(0, 400, 40, 10_000, 8)).toEqual({ start: 0, end: 19 });
    const middle = visibleRange(200_000, 400, 40, 10_000, 8);
    expect(middle).toEqual({ start: 4992, end: 5019 });
    expect(middle.end - middle.start).toBeLessThan(30);
  });

  it('stays inside the list at both ends and for short lists', () => {
    expect(visibleRange(399_800, 400, 40, 10_000, 8)).toEqual({ start: 9987, end: 10_000 });
    expect(visibleRange(0, 400, 40, 3)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(5000, 400, 40, 3)).toEqual({ start: 3, end: 3 });
    expect(visibleRange(-50, 0, 40, 0)).toEqual({ start: 0, end: 0 });
  });

  it('scrolls as little as needed to show a row', () => {
    expect(scrollToShow(5, 0, 400, 40)).toBe(0);
    expect(scrollToShow(10, 0, 400, 40)).toBe(40);
    expect(scrollToShow(2, 200, 400, 40)).toBe(80);
  });
});
