import stringWidth from 'string-width';

/**
 * A borderless table: reads well in a terminal and survives copy-paste. Each cell is one line
 * (callers escape control characters), set in a column as wide as its widest cell on screen
 * (string-width: wide CJK characters and emoji count two), one space inside each edge, two
 * between columns.
 *
 * Written here rather than with cli-table3, which laid out 28,000 rows (`driveup queue --all`) in
 * some 90 seconds: its layout grows with the square of the rows. This is one pass to measure and
 * one to write.
 */
export function renderTable(head: string[], rows: string[][]): string {
  const all = [head, ...rows];
  const widths = head.map(() => 0);
  const measured = all.map((row) =>
    head.map((_, column) => {
      const cell = row[column] ?? '';
      const width = stringWidth(cell);
      if (width > widths[column]!) widths[column] = width;
      return { cell, width };
    }),
  );
  // Padding after the last column would wrap a short row whenever a long link widened that column.
  return measured
    .map((row) =>
      row
        .map(({ cell, width }, column) => ` ${cell}${' '.repeat(widths[column]! - width)} `)
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
