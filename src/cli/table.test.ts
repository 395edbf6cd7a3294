import { describe, expect, it } from 'vitest';
import { renderTable } from './table.ts';

describe('renderTable', () => {
  it('ends no line with padding, so a short row never wraps in a narrow terminal', () => {
    const text = renderTable(
      ['ID', 'DETAIL'],
      [
        ['1', ''],
        ['2', 'https://drive.google.com/file/d/a-long-link-that-widens-the-column/view'],
      ],
    );
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
    expect(text.split('\n')[1]).toMatch(/^ 1$/);
  });

  it('lines columns up by width on screen: a wide character takes two', () => {
    const text = renderTable(
      ['FILE', 'SIZE'],
      [
        ['日本.txt', '1 kB'],
        ['abcd.txt', '2 kB'],
      ],
    );
    expect(text.split('\n')).toEqual([
      ' FILE        SIZE',
      ' 日本.txt    1 kB',
      ' abcd.txt    2 kB',
    ]);
  });
});
