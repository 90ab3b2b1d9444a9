// `appinit stat [INTERVAL [COUNT]]`: vmstat lines; `--io`: iostat -d reports. The first line
// (report) is since boot, each later one over the interval, as vmstat and iostat do.
import { formatIostat, formatVmstat, IOSTAT_HEADER, VMSTAT_HEADER } from '../../core/report/index.js';
import type { SystemSnapshot } from '../../os/proc/types.js';
import { client, CliError, EXIT } from '../context.js';

/** Options of `appinit stat`. */
export interface StatCommandOptions {
  io?: boolean;
  json?: boolean;
}

/** Turns formatted lines back into objects named by their header (the --json form of the same numbers). */
export function linesToObjects(header: string, lines: string): Record<string, number | string>[] {
  const names = header.trim().split(/\s+/).map((n) => n.replace(/:$/, ''));
  return lines.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const vals = l.trim().split(/\s+/);
    const o: Record<string, number | string> = {};
    names.forEach((n, i) => {
      const v = vals[i] ?? '';
      o[n] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    });
    return o;
  });
}

function parseArgs(interval: string | undefined, count: string | undefined): { delayMs: number; n: number } {
  if (interval === undefined) return { delayMs: 0, n: 1 };
  const d = Number(interval);
  if (!(d > 0) || !Number.isFinite(d)) throw new CliError(`stat: INTERVAL expects seconds greater than 0 like 0.5 or 2, got "${interval}"`, EXIT.usage);
  const n = count === undefined ? Infinity : Number(count);
  if (!(n >= 1) || (Number.isFinite(n) && !Number.isInteger(n))) throw new CliError(`stat: COUNT expects a whole number of lines, got "${count}"`, EXIT.usage);
  return { delayMs: d * 1000, n };
}

/** appinit stat [INTERVAL [COUNT]] [--io] [--json] */
export async function statCommand(interval: string | undefined, count: string | undefined, o: StatCommandOptions): Promise<number> {
  const { delayMs, n } = parseArgs(interval, count);
  const c = await client();
  let prev: SystemSnapshot | null = null;
  let prevAt = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, Math.max(0, prevAt + delayMs - performance.now())));
    const v = await c.snapshot(false);
    const at = performance.now();
    // Rates over the interval actually measured (from /proc/uptime), not the one asked for.
    const ms = prev === null ? 0 : (v.snapshot.uptime - prev.uptime) * 1000;
    let text: string;
    if (o.io) {
      const report = formatIostat(prev, v.snapshot, ms);
      text = o.json ? `${JSON.stringify(linesToObjects(IOSTAT_HEADER, report.slice(IOSTAT_HEADER.length)))}\n` : `${i > 0 ? '\n' : ''}${report}`;
    } else {
      const line = formatVmstat(prev, v.snapshot, ms, i === 0 && !o.json, v.pageSize, v.hz);
      text = o.json ? `${JSON.stringify(linesToObjects(VMSTAT_HEADER.split('\n')[1] as string, line)[0])}\n` : line;
    }
    if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
    prev = v.snapshot;
    prevAt = at;
  }
  return EXIT.ok;
}
