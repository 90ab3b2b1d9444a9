// `appinit times`: times(2) for the daemon: its own user and system CPU, and its ended
// children's (summed from their accounting records), then the same per program.
import type { TimesView } from '../../client/index.js';
import { client, EXIT } from '../context.js';
import { table } from '../format/table.js';
import { secs } from '../format/units.js';

/** Formats the times view: tms_utime, tms_stime, tms_cutime, tms_cstime and elapsed, then per program. */
export function formatTimes(v: TimesView): string {
  const d = v.daemon;
  const ch = v.children;
  const head = table(['', 'REAL', 'USER', 'SYSTEM', 'RUNS'], [
    [`daemon (pid ${d.pid})`, secs(d.realSec), secs(d.userSec), secs(d.systemSec), '-'],
    ['ended children', secs(ch.realSec), secs(ch.userSec), secs(ch.systemSec), String(ch.runs)],
  ], ['REAL', 'USER', 'SYSTEM', 'RUNS']);
  const lines = [head];
  if (v.helper) {
    const h = v.helper;
    lines.push(`helper (pid ${h.pid}): user ${secs(h.userSec)}, system ${secs(h.systemSec)}; `
      + `children it reaped, as the kernel counts them: user ${secs(h.childUserSec)}, system ${secs(h.childSystemSec)}`);
  }
  if (v.programs.length > 0) {
    lines.push('', table(['PROGRAM', 'RUNS', 'REAL', 'USER', 'SYSTEM'], v.programs.map((p) => [
      p.program ?? '-', String(p.runs), secs(p.realSec), secs(p.userSec), secs(p.systemSec),
    ]), ['RUNS', 'REAL', 'USER', 'SYSTEM']));
  }
  return `${lines.join('\n')}\n`;
}

/** appinit times [--json] */
export async function timesCommand(o: { json?: boolean }): Promise<number> {
  const c = await client();
  const v = await c.times();
  process.stdout.write(o.json ? `${JSON.stringify(v, null, 2)}\n` : formatTimes(v));
  return EXIT.ok;
}
