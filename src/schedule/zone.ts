// Time-zone arithmetic on Intl alone (no tz library is installed). Intl can only turn an
// instant into wall-clock fields, so each zone's offset transitions are found once per UTC
// year by sampling every two days and bisecting to the second, then cached; every later
// conversion is table arithmetic. A zone whose offset changes and changes back within two
// days would be missed: from 1970 to 2100 the closest pair in Node's tz data is 6.96 days
// apart (America/Recife 2000, Asia/Gaza 2040).

/** Wall-clock fields; any field may be out of range, as in a struct tm (normalised on use). */
export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock fields of an instant in a zone, with what localtime() adds. */
export interface ZonedTime extends WallTime {
  /** 0 = Sunday */
  weekday: number;
  /** seconds east of UTC */
  offset: number;
  /** daylight-saving time, as tm_isdst: the offset is above the year's lowest offset */
  isDst: boolean;
}

/** The instants that carry one wall-clock time: none in a gap, two in a fold. */
export interface LocalInstants {
  /** epoch seconds, ascending */
  instants: number[];
  /** when instants.length is not 1: the transition that makes the gap or the fold */
  transition?: { at: number; before: number; after: number };
}

interface YearTable {
  start: number;
  base: number;
  at: number[];
  off: number[];
  std: number;
}

const DAY = 86400;
const SAMPLE = 2 * DAY;
const EARLIEST = 1800;
const tables = new Map<string, YearTable>();
const formatters = new Map<string, Intl.DateTimeFormat>();

/** An IANA zone name: tz if given, else $TZ, else the system zone; throws on an unknown name. */
export function resolveZone(tz?: string): string {
  if (tz !== undefined) return canonical(tz) ?? unknownZone(tz);
  const env = process.env.TZ;
  const fromEnv = env ? canonical(env.replace(/^:/, '')) : undefined;
  if (fromEnv) return fromEnv;
  // TZ=UTC0 and other POSIX strings leave ICU with no zone name; glibc reads them as UTC.
  return systemZone() ?? 'UTC';
}

const canonicalNames = new Map<string, string | undefined>();

// Constructing a DateTimeFormat costs tens of microseconds; nextRuns() resolves a zone each call.
function canonical(tz: string): string | undefined {
  if (canonicalNames.has(tz)) return canonicalNames.get(tz);
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    name = undefined;
  }
  canonicalNames.set(tz, name);
  return name;
}

let system: { env: string | undefined; zone: string | undefined } | undefined;

// Node re-reads the system zone when process.env.TZ is assigned; cache per value of TZ.
function systemZone(): string | undefined {
  if (!system || system.env !== process.env.TZ) {
    system = { env: process.env.TZ, zone: new Intl.DateTimeFormat().resolvedOptions().timeZone };
  }
  return system.zone;
}

function unknownZone(tz: string): never {
  throw new RangeError(`unknown time zone "${tz}": expected an IANA name like "Europe/Berlin"`);
}

/** Seconds since the epoch of wall-clock fields read as UTC; out-of-range fields carry over. */
export function wallSeconds(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second);
  return Math.floor(d.getTime() / 1000);
}

/** The fields of epoch seconds read as UTC (the inverse of wallSeconds). */
export function wallFields(sec: number): WallTime & { weekday: number } {
  const d = new Date(sec * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

// format() is four times faster than formatToParts(); en-US gives "9/8/2001, 21:46:40".
function intlOffset(sec: number, tz: string): number {
  const s = formatter(tz).format(sec * 1000);
  const m = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/.exec(s);
  if (!m) throw new RangeError(`cannot read the time in ${tz} at ${new Date(sec * 1000).toISOString()}`);
  const wall = wallSeconds({ year: +m[3], month: +m[1], day: +m[2], hour: +m[4], minute: +m[5], second: +m[6] });
  return wall - sec;
}

function yearTable(year: number, tz: string): YearTable {
  const key = `${tz}\u0000${year}`;
  let t = tables.get(key);
  if (t) return t;
  const start = wallSeconds({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  if (year < EARLIEST) {
    // Intl prints years before 1 AD without their era; every zone keeps its local mean time
    // (the first offset, as glibc uses) long before 1800 anyway.
    const base = yearTable(EARLIEST, tz).base;
    t = { start, base, at: [], off: [], std: base };
    tables.set(key, t);
    return t;
  }
  const end = wallSeconds({ year: year + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  const base = intlOffset(start, tz);
  const at: number[] = [];
  const off: number[] = [];
  let prevT = start;
  let prev = base;
  for (let s = start + SAMPLE; prevT < end; s = Math.min(s + SAMPLE, end)) {
    const o = intlOffset(s, tz);
    if (o !== prev) {
      // Bisect to the first second that has the new offset.
      let lo = prevT;
      let hi = s;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (intlOffset(mid, tz) === o) hi = mid;
        else lo = mid;
      }
      // A change at exactly `end` is kept here too: next year's base already has it, and
      // nextTransition() must still see it.
      at.push(hi);
      off.push(o);
      prev = o;
    }
    prevT = s;
  }
  t = { start, base, at, off, std: Math.min(base, ...off) };
  tables.set(key, t);
  return t;
}

function tableFor(sec: number, tz: string): YearTable {
  return yearTable(new Date(sec * 1000).getUTCFullYear(), tz);
}

function isUtc(tz: string): boolean {
  return tz === 'UTC' || tz === 'Etc/UTC' || tz === 'Etc/GMT';
}

/** Offset of the zone at an instant, in seconds east of UTC. */
export function offsetAt(sec: number, tz: string): number {
  if (isUtc(tz)) return 0;
  const t = tableFor(sec, tz);
  let o = t.base;
  for (let i = 0; i < t.at.length && t.at[i] <= sec; i++) o = t.off[i];
  return o;
}

/** Whether the zone keeps daylight-saving time at an instant (offset above the year's lowest). */
export function isDstAt(sec: number, tz: string): boolean {
  if (isUtc(tz)) return false;
  return offsetAt(sec, tz) > tableFor(sec, tz).std;
}

/** The first offset transition after `sec` and at or before `until`, or undefined. */
export function nextTransition(sec: number, until: number, tz: string): { at: number; before: number; after: number } | undefined {
  if (isUtc(tz)) return undefined;
  for (let y = new Date(sec * 1000).getUTCFullYear(); ; y++) {
    const t = yearTable(y, tz);
    if (t.start > until) return undefined;
    for (let i = 0; i < t.at.length; i++) {
      if (t.at[i] > sec && t.at[i] <= until) return { at: t.at[i], before: offsetAt(t.at[i] - 1, tz), after: t.off[i] };
    }
  }
}

/** The last offset transition at or before `sec` and after `since`, or undefined. */
export function lastTransition(sec: number, since: number, tz: string): { at: number; before: number; after: number } | undefined {
  let found: { at: number; before: number; after: number } | undefined;
  for (let t = nextTransition(since, sec, tz); t; t = nextTransition(t.at, sec, tz)) found = t;
  return found;
}

/** Wall-clock fields, weekday, offset and DST flag of an instant in a zone (localtime). */
export function utcToZoned(date: Date | number, tz?: string): ZonedTime {
  const zone = resolveZone(tz);
  const sec = Math.floor((typeof date === 'number' ? date : date.getTime()) / 1000);
  const offset = offsetAt(sec, zone);
  return { ...wallFields(sec + offset), offset, isDst: isDstAt(sec, zone) };
}

/** The instants that show wall-clock time `wall` (seconds, as from wallSeconds) in a zone. */
export function localInstants(wall: number, tz: string): LocalInstants {
  if (isUtc(tz)) return { instants: [wall] };
  // Offsets lie within ±26 h, so every transition that matters is within a day of `wall`.
  const before = offsetAt(wall - DAY, tz);
  const after = offsetAt(wall + DAY, tz);
  const instants: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    if (offsetAt(wall - o, tz) === o) instants.push(wall - o);
  }
  instants.sort((a, b) => a - b);
  if (instants.length === 1) return { instants };
  const transition = nextTransition(wall - Math.max(before, after) - 1, wall - Math.min(before, after), tz);
  return transition ? { instants, transition } : { instants };
}

/** Options of zonedToUtc: tm_isdst and the offset glibc's mktime remembers from its last call. */
export interface MktimeOptions {
  /** -1 (default): let the zone decide; 0 or 1: as tm_isdst, read the fields in that kind of time */
  isDst?: -1 | 0 | 1;
  /** offset (s) mktime found last; glibc starts its search there, which decides a fold. Default 0. */
  hint?: number;
}

/**
 * The instant of wall-clock fields in a zone, as glibc's mktime() finds it (epoch seconds).
 * Fields out of range carry over. In a gap (spring forward) with isDst -1 the fields are read
 * with the offset before the gap, so 02:30 becomes 03:30 daylight time. In a fold (fall back)
 * glibc iterates from the offset of its previous call (0 in a fresh process), which picks
 * 01:30 EDT in America/New_York but 02:30 CET in Europe/Berlin: pass `hint` to reproduce a
 * sequence of calls. With isDst 0 or 1 the fields are read with the offset of the nearest time
 * (searched week by week, as glibc does) that has that kind of time.
 */
export function mktimeSeconds(w: WallTime, tz: string, opts: MktimeOptions = {}): number {
  const wall = wallSeconds(w);
  if (!Number.isFinite(wall)) throw new RangeError('time out of range');
  if (isUtc(tz)) return wall;
  const want = opts.isDst ?? -1;
  const { instants, transition } = localInstants(wall, tz);
  let t: number;
  if (instants.length === 1) t = instants[0];
  else if (instants.length === 0) {
    // glibc oscillates across the gap and keeps the side with tm_isdst set (for -1), or the
    // side whose tm_isdst differs from the one asked for; the probe below then fixes it.
    const tr = transition!;
    const later = wall - tr.before;
    const earlier = wall - tr.after;
    if (want < 0) t = isDstAt(later, tz) || !isDstAt(earlier, tz) ? later : earlier;
    else t = isDstAt(later, tz) !== (want === 1) ? later : earlier;
  } else {
    const match = want < 0 ? undefined : instants.find((i) => isDstAt(i, tz) === (want === 1));
    t = match ?? followFrom(wall, opts.hint ?? 0, tz, instants);
  }
  if (want >= 0 && isDstAt(t, tz) !== (want === 1)) t = probeIsDst(t, wall, want === 1, tz);
  return t;
}

// glibc's guess loop: t = wall - offset, offset = offset at t, until it stands still.
function followFrom(wall: number, hint: number, tz: string, instants: number[]): number {
  let t = wall - hint;
  for (let i = 0; i < 6; i++) {
    const next = wall - offsetAt(t, tz);
    if (next === t) return t;
    t = next;
  }
  return instants[0];
}

// glibc looks for a neighbouring time with the wanted tm_isdst, a stride of 601200 s at a time,
// first backwards then forwards, up to about 8.5 years away, and reads the fields with its offset.
function probeIsDst(t: number, wall: number, dst: boolean, tz: string): number {
  const stride = 601200;
  const bound = 536454000 / 2 + stride;
  for (let delta = stride; delta < bound; delta += stride) {
    for (const dir of [-1, 1]) {
      const ot = t + delta * dir;
      if (isDstAt(ot, tz) === dst) return wall - offsetAt(ot, tz);
    }
  }
  return t;
}

/** The instant of wall-clock fields in a zone, chosen as glibc's mktime() chooses (see mktimeSeconds). */
export function zonedToUtc(fields: WallTime, tz?: string, opts?: MktimeOptions): Date {
  return new Date(mktimeSeconds(fields, resolveZone(tz), opts) * 1000);
}
