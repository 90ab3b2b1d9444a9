// Human units for the monitoring commands' tables: sizes as 512KB / 1.5MB, times as 1.25s.

/** A size given in KiB as people read it: `900KB`, `1.5MB`, `2.0GB`. */
export function sizeKb(kb: number): string {
  if (kb < 1024) return `${Math.round(kb)}KB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)}MB`;
  return `${(kb / 1024 / 1024).toFixed(1)}GB`;
}

/** Seconds with two decimals and a unit: `1.25s`. */
export function secs(s: number): string {
  return `${s.toFixed(2)}s`;
}

/** Local wall-clock time `YYYY-MM-DD HH:MM:SS` from ms since the epoch. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A table like format/table's, two spaces apart, but right-aligned columns are padded even when last. */
export function alignedTable(headers: string[], rows: string[][], right: readonly string[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells
    .map((c, i) => (right.includes(headers[i] as string) ? c.padStart(widths[i] as number) : i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
    .join('  ')
    .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
