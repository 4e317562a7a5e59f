/**
 * A table of amounts for the terminal: the first column (a label) left-aligned, the others (numbers)
 * right-aligned so their digits line up, two spaces apart; one string per line, header first.
 */
export function amountTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)];
}
