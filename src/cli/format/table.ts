// Plain text tables: left-aligned columns, numbers right-aligned, two spaces apart. The one table
// printer of the CLI.

/**
 * Formats rows under headers; columns named in `right` are right-aligned (padded even when
 * last). A left-aligned last column is never padded, so lines carry no trailing blanks.
 */
export function table(headers: string[], rows: string[][], right: readonly string[] = []): string {
  rows = rows.map((r) => r.map(printable));
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

// Control characters (C0, DEL, C1) of what programs say of themselves (a command line, sd_notify's
// STATUS=) shown as `?`, as procps' ps shows them: a user's job wrote escape sequences (clear
// screen, window title) into root's terminal through `status`, and a newline broke the table.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A text for a terminal line: its control characters as `?`. */
export function printable(s: string): string {
  return s.replace(CONTROL, '?');
}
