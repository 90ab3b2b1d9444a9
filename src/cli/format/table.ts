// Plain text tables: left-aligned columns, numbers right-aligned, two spaces apart.

/** Formats rows under headers; columns named in `right` are right-aligned. The last column is never padded. */
export function table(headers: string[], rows: string[][], right: string[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        if (i === cells.length - 1) return c;
        return right.includes(headers[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
