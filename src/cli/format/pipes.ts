// The pipes section of `appinit status`: each pipe between programs and how full it is.
import type { PipeView } from '../../api/pipes/module.js';
import type { JobView } from '../../api/views.js';
import { formatSize } from '../../config/units.js';

const size = (n: number) => (n === 0 ? '0' : formatSize(n));

/** `PIPE  MODE  FILL  READERS` rows, or '' when there is no pipe. */
export function formatPipes(pipes: PipeView[]): string {
  if (pipes.length === 0) return '';
  const rows = [['PIPE', 'MODE', 'FILL', 'READERS']];
  for (const p of pipes) {
    const fill = `${size(p.fill)}/${size(p.capacity)}${p.pending ? ` +${size(p.pending)}` : ''}`;
    const readers = p.mode === 'tee' ? p.readers.map((r) => `${r.name} ${size(r.fill)}/${size(r.capacity ?? p.capacity)}`).join(', ') : p.readers.map((r) => r.name).join(', ');
    rows.push([p.name, p.open ? p.mode : `${p.mode},closed`, fill, readers]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ')).join('\n');
}

/** Each job's pipes for `status --json`: what it writes into and reads from, with the bytes waiting. */
export function withPipes(jobs: JobView[], pipes: PipeView[]): (JobView & { pipes?: { name: string; role: 'writes' | 'reads'; fill: number; capacity: number }[] })[] {
  if (pipes.length === 0) return jobs;
  return jobs.map((j) => {
    const mine: { name: string; role: 'writes' | 'reads'; fill: number; capacity: number }[] = [];
    for (const p of pipes) {
      if (p.name === `${j.name}.stdout` || p.name === `${j.name}.stderr`) mine.push({ name: p.name, role: 'writes', fill: p.fill, capacity: p.capacity });
      for (const r of p.readers) if (r.name === j.name) mine.push({ name: p.name, role: 'reads', fill: r.fill, capacity: r.capacity ?? p.capacity });
    }
    return mine.length ? { ...j, pipes: mine } : j;
  });
}
