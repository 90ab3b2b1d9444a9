// Time arguments of the scheduling commands: --from TIME, --tz ZONE, and the caller's zone.
import { resolveZone, zonedToUtc } from '../../schedule/index.js';
import { CliError, EXIT } from '../context.js';

/** The zone named by --tz, else $TZ, else the system zone; a usage error for an unknown name. */
export function zoneArg(verb: string, tz: string | undefined): string {
  try {
    return resolveZone(tz);
  } catch (e) {
    throw new CliError(`${verb}: ${(e as Error).message}`, EXIT.usage);
  }
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?\s*(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * --from TIME: ISO 8601 (`2026-11-22T10:00:00+01:00`; without an offset, wall-clock time in
 * `tz`), `YYYY-MM-DD HH:MM`, or `@SECONDS` since the epoch. Now when absent.
 */
export function fromArg(verb: string, text: string | undefined, tz: string): Date {
  if (text == null) return new Date();
  const t = text.trim();
  if (/^@\d+(\.\d+)?$/.test(t)) return new Date(Number(t.slice(1)) * 1000);
  const m = ISO.exec(t);
  if (!m) throw new CliError(`${verb}: --from: expected a time like 2026-11-22T10:00:00+01:00, "2026-11-22 10:00" or @SECONDS, got "${text}"`, EXIT.usage);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', off] = m;
  if (off) {
    const d2 = new Date(`${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${s.padStart(2, '0')}${frac}${off.toUpperCase() === 'Z' ? 'Z' : off.length === 5 ? `${off.slice(0, 3)}:${off.slice(3)}` : off}`);
    if (Number.isNaN(d2.getTime())) throw new CliError(`${verb}: --from: "${text}" is not a valid time`, EXIT.usage);
    return d2;
  }
  const base = zonedToUtc({ year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s }, tz);
  return new Date(base.getTime() + (frac ? Math.round(Number(frac) * 1000) : 0));
}
