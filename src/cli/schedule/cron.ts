// `cron next EXPR` (no daemon needed: a pure query) and `cron list` (every schedule the daemon runs).
import { CronParseError, isoWithOffset, nextRuns, parseCron } from '../../schedule/index.js';
import { client, CliError, EXIT } from '../context.js';
import { table } from '../format/table.js';
import { fromArg, zoneArg } from './time-args.js';

/** appinit cron next EXPR [-n N] [--tz ZONE] [--from TIME]: one ISO 8601 time with offset per line. */
export function cronNext(expr: string, o: { count?: string; tz?: string; from?: string }): Promise<number> {
  const n = Number(o.count ?? 5);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`cron next: -n expects a whole number of 1 or more, got "${o.count}"`, EXIT.usage);
  const tz = zoneArg('cron next', o.tz);
  const from = fromArg('cron next', o.from, tz);
  let parsed;
  try {
    parsed = parseCron(expr);
  } catch (e) {
    if (e instanceof CronParseError) throw new CliError(`cron next: "${expr}" (column ${e.column}): ${e.message}`);
    throw e;
  }
  if (parsed.reboot) {
    process.stderr.write('appinit: cron next: @reboot runs once per boot of the machine, not by the clock\n');
    return Promise.resolve(EXIT.ok);
  }
  const runs = nextRuns(parsed, n, from, tz);
  process.stdout.write(runs.map((d) => isoWithOffset(d, tz) + '\n').join(''));
  if (runs.length < n) process.stderr.write(`appinit: cron next: "${expr}" runs ${runs.length ? `only ${runs.length} more time${runs.length === 1 ? '' : 's'}` : 'never'} in the next 50 years\n`);
  return Promise.resolve(EXIT.ok);
}

/** appinit cron list [--json]: each schedule, its next and last run, its overlap rule. */
export async function cronList(json: boolean): Promise<number> {
  const c = await client();
  // Line numbers in order (cron-root-2 before cron-root-10), as the crontab has them.
  const list = (await c.schedules()).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const iso = (ms: number | null) => (ms == null ? null : isoWithOffset(new Date(ms)));
  if (json) {
    process.stdout.write(JSON.stringify(list.map((s) => ({ ...s, next: iso(s.next), last: iso(s.last) })), null, 2) + '\n');
    return EXIT.ok;
  }
  const rows = list.map((s) => [
    // A crontab's fields may be separated by tabs: one space each in the table.
    s.name, s.kind, s.schedule.replace(/\s+/g, ' ') + (s.tz ? ` (${s.tz})` : ''), iso(s.next) ?? '-', iso(s.last) ?? '-',
    `${s.overlap}${s.pending ? ' (1 waiting)' : ''}${s.skipped ? ` (${s.skipped} skipped)` : ''}`,
    s.jobs.map((j) => `%${j}`).join(','),
  ]);
  process.stdout.write(table(['NAME', 'KIND', 'SCHEDULE', 'NEXT', 'LAST', 'OVERLAP', 'JOBS'], rows) + '\n');
  return EXIT.ok;
}
