// cron / at / cron_tz / overlap / missed. Cron expressions and at TIMESPECs are read by the
// scheduler's own parsers, so a file that loads is a file the scheduler can run.
import { isScalar } from 'yaml';
import { AtParseError, resolveAt } from '../schedule/atspec.js';
import { CronParseError, parseCron } from '../schedule/cron-parse.js';
import type { Program, Schedule } from './program.js';
import { closest, didYouMean } from './suggest.js';
import { oneOf, str } from './values.js';
import type { Field, Walker } from './yaml-nodes.js';

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** The schedule-related fields of one program, as found by Walker.keys. */
export interface ScheduleFields {
  cron?: Field;
  at?: Field;
  cronTz?: Field;
  overlap?: Field;
  missed?: Field;
}

/** A cron expression's shape problem, or null: 5 fields or a known @macro. */
export function cronShapeError(expr: string): string | null {
  const e = expr.trim();
  if (e === '@reboot') return '@reboot is not a schedule here; a program without cron runs when appinit starts';
  if (e.startsWith('@')) {
    if (MACROS.includes(e)) return null;
    return `unknown cron macro "${e}"${didYouMean(e, MACROS) || `; expected one of ${MACROS.join(', ')}`}`;
  }
  const n = e.split(/\s+/).length;
  if (n === 5) return null;
  const got = `got "${expr}" (${n} field${n === 1 ? '' : 's'})`;
  return `expected a cron expression of 5 fields like "*/5 * * * *" or a macro like "@daily", ${got}`;
}

/** An IANA time zone name problem, or null; checked against the zones this Node knows. */
export function timeZoneError(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    const zones = Intl.supportedValuesOf('timeZone');
    const guess = closest(tz, zones);
    const hint = guess ? `; did you mean "${guess}"?` : '; expected an IANA name like "Europe/Paris"';
    return `unknown time zone "${tz}"${hint}`;
  }
}

// Reports a parser's error at the column it names, inside the value when it can be placed.
function parseWith(w: Walker, f: Field, text: string, parse: (s: string) => unknown): void {
  try {
    parse(text);
  } catch (e) {
    if (!(e instanceof CronParseError) && !(e instanceof AtParseError)) return;
    const at = isScalar(f.node) ? w.offsetIn(f.node, e.column - 1) : null;
    if (at == null) w.fail(f, e.message);
    else w.r.add(at, f.path, e.message);
  }
}

/** The schedule and the settings that only make sense with one. */
export function readSchedule(
  w: Walker,
  k: ScheduleFields,
): Partial<Pick<Program, 'schedule' | 'overlap' | 'missed'>> {
  let schedule: Schedule | undefined;
  if (k.cron) {
    const expr = str(w, k.cron, 'a cron expression like "*/5 * * * *"');
    const problem = expr === undefined ? null : cronShapeError(expr);
    if (problem) w.fail(k.cron, problem);
    else if (expr !== undefined) parseWith(w, k.cron, expr, parseCron);
    let tz: string | null = null;
    if (k.cronTz) {
      tz = str(w, k.cronTz, 'a time zone like "Europe/Paris"') ?? null;
      const tzProblem = tz === null ? null : timeZoneError(tz);
      if (tzProblem) w.fail(k.cronTz, tzProblem);
    }
    if (expr !== undefined) schedule = { kind: 'cron', expr: expr.trim(), tz };
  }
  if (k.at) {
    const spec = str(w, k.at, 'a time like "now + 1 hour" or "10:30 tomorrow"');
    // A time already past is the scheduler's to handle (missed); only the syntax is checked here.
    if (spec !== undefined) parseWith(w, k.at, spec, (s) => resolveAt(s, new Date(0), 'UTC'));
    if (spec !== undefined) schedule ??= { kind: 'at', spec };
  }
  if (k.cron && k.at) {
    // Report on whichever comes second in the file: the first one is what was meant.
    const later = (k.cron.key?.range?.[0] ?? 0) > (k.at.key?.range?.[0] ?? 0) ? k.cron : k.at;
    w.failKey(later, 'cron and at cannot both be set; a program has one schedule');
  }
  if (k.cronTz && !k.cron) {
    w.failKey(k.cronTz, 'cron_tz applies only to a cron schedule; add cron or remove it');
  }
  const onlyScheduled = (f: Field) =>
    w.failKey(f, 'applies only to programs with cron or at; remove it or add a schedule');
  if (!k.cron && !k.at) {
    if (k.overlap) onlyScheduled(k.overlap);
    if (k.missed) onlyScheduled(k.missed);
    return {};
  }
  return {
    schedule,
    overlap: k.overlap && oneOf(w, k.overlap, ['allow', 'skip', 'queue'] as const),
    missed: k.missed && oneOf(w, k.missed, ['skip', 'run-once'] as const),
  };
}
