// Plain text tables: left-aligned columns, numbers right-aligned, two spaces apart. The one table
// printer of the CLI.

/**
 * Formats rows under headers; columns named in `right` are right-aligned (padded even when
 * last). A left-aligned last column is never padded, so lines carry no trailing blanks.
 */
export function table(headers: string[], rows: string[][], right: readonly string[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        if (right.includes(headers[i])) return c.padStart(widths[i]);
        return i === cells.length - 1 ? c : c.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
