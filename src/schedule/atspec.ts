// The at(1) TIMESPEC: POSIX at plus everything Linux at 3.2 (Debian's `at`) accepts, resolved to
// the same minute that at would queue the job for, quirks included:
//   - a time alone that is not later than now today means tomorrow ("10:00" at 10:00 is tomorrow);
//   - a date alone keeps the current time of day; a month and day without a year that is
//     already past this year means next year;
//   - a weekday name is 1 to 7 days ahead, never today (at "sun" on a Sunday is next Sunday);
//   - fields overflow as mktime() does: "10:60" is 11:00, "feb 30" is March 2 (or 1 in a leap year);
//   - "+ N minutes|hours|days|weeks" adds seconds, then moves by an hour when daylight-saving time
//     begins or ends in between, so "now + 24 hours" keeps the wall clock;
//   - "utc" after a time reads it, and everything after it, in UTC;
//   - seconds are always 0, and a result before the current minute is refused.
// The grammar is parsetime.y's, written as recursive descent with the same reductions in the
// same order, so that every side effect (add_date, mktime normalisation) happens when at's does.
import { AtClock, AtOutOfRange, type Tm } from './at-clock.js';
import { tokenize, type AtPeriod, type AtToken } from './at-lexer.js';
import { formatAtTime } from './format.js';
import { resolveZone } from './zone.js';

/** A TIMESPEC at does not accept; `column` is 1-based, where the parse stopped. */
export class AtParseError extends Error {
  override name = 'AtParseError';
  constructor(
    readonly spec: string,
    readonly column: number,
    reason?: string,
  ) {
    super(`garbled time at "${spec.slice(column - 1)}" (column ${column})${reason ? `: ${reason}` : ''}`);
  }
}

/** A TIMESPEC that resolves to a minute before the current one; `when` is that minute. */
export class AtPastError extends Error {
  override name = 'AtPastError';
  constructor(
    readonly when: Date,
    tz: string,
  ) {
    super(`refusing to create job destined in the past (${formatAtTime(when, tz)})`);
  }
}

const AT_LAST = 2 ** 32 * 60;

interface Parse {
  spec: string;
  toks: AtToken[];
  i: number;
  clock: AtClock;
  tm: Tm;
  timeOnly: boolean;
  yearSpec: boolean;
}

/**
 * The time at which Linux at 3.2 would run a job given `spec` at instant `from`, in zone `tz`
 * (default: $TZ, else the system zone). Throws AtParseError or AtPastError.
 */
export function resolveAt(spec: string, from: Date, tz?: string): Date {
  const zone = resolveZone(tz);
  const clock = new AtClock(zone);
  let now = Math.floor(from.getTime() / 1000);
  const tm = clock.localtime(now);
  now -= tm.sec;
  tm.sec = 0;
  tm.isdst = -1;
  const cur = { ...tm };
  const p: Parse = { spec, toks: tokenize(spec), i: 0, clock, tm, timeOnly: false, yearSpec: false };
  let t: number | undefined;
  try {
    timespec(p);
    if (p.timeOnly) {
      if (tm.mday === cur.mday && (tm.hour < cur.hour || (tm.hour === cur.hour && tm.min <= cur.min))) tm.mday++;
    } else if (!p.yearSpec) {
      if (tm.year === cur.year && (tm.mon < cur.mon || (tm.mon === cur.mon && tm.mday < cur.mday))) tm.year++;
    }
    t = clock.mktime(tm);
  } catch (e) {
    if (!(e instanceof AtOutOfRange)) throw e;
  }
  // at names its job file after the minute since 1970 in 8 hex digits: later times wrap around.
  if (t === undefined || t >= AT_LAST) throw new AtParseError(spec, 1, `the time is out of range: at can queue up to ${formatAtTime(new Date((AT_LAST - 60) * 1000), 'UTC')} UTC`);
  const when = new Date(t * 1000);
  if (t < now) throw new AtPastError(when, zone);
  return when;
}

const peek = (p: Parse, k = 0): AtToken => p.toks[Math.min(p.i + k, p.toks.length - 1)];
const next = (p: Parse): AtToken => p.toks[Math.min(p.i++, p.toks.length - 1)];
const isInt12 = (t: AtToken) => t.kind === 'INT1' || t.kind === 'INT2';

function fail(p: Parse, tok: AtToken, reason?: string): never {
  // At the end of the spec, point at the last token, as at's "Last token seen" does.
  const i = p.toks.indexOf(tok);
  const at = tok.kind === 'EOF' && i > 0 ? p.toks[i - 1] : tok;
  throw new AtParseError(p.spec, at.start + 1, reason);
}

// timespec: spec_base [inc_or_dec] EOF
function timespec(p: Parse): void {
  specBase(p);
  const t = peek(p);
  if (t.kind === 'CHAR' && (t.text === '+' || t.text === '-')) incOrDec(p);
  const end = peek(p);
  if (end.kind !== 'EOF') fail(p, end, 'expected nothing more, or "+ N unit"');
}

// spec_base: date | time | time date | NOW
function specBase(p: Parse): void {
  const t = peek(p);
  if (t.kind === 'NOW') {
    next(p);
    p.yearSpec = true;
    return;
  }
  if (startsTime(p)) {
    time(p);
    if (startsDate(p)) date(p);
    else p.timeOnly = true;
    return;
  }
  if (startsDate(p)) return date(p);
  if (isInt12(t)) fail(p, peek(p, 1), `expected am or pm, a month name or "/" after "${t.text}"`);
  fail(p, t, 'expected a time, a date or "now"');
}

function startsTime(p: Parse): boolean {
  const t = peek(p);
  if (isInt12(t)) return peek(p, 1).kind === 'AM' || peek(p, 1).kind === 'PM';
  return ['INT4', 'HOURMIN', 'NOON', 'MIDNIGHT', 'TEATIME'].includes(t.kind);
}

function startsDate(p: Parse): boolean {
  const t = peek(p);
  if (isInt12(t)) {
    const n = peek(p, 1);
    return n.kind === 'MONTH' || (n.kind === 'CHAR' && n.text === '/');
  }
  return ['MONTH', 'DOW', 'TODAY', 'TOMORROW', 'HYPHEN', 'DOTTED', 'INT5_8', 'NEXT'].includes(t.kind);
}

// time: time_base [UTC]
function time(p: Parse): void {
  const t = next(p);
  const tm = p.tm;
  switch (t.kind) {
    case 'INT4':
      setHourMin(p, t, +t.text.slice(0, 2), +t.text.slice(2));
      break;
    case 'HOURMIN': {
      const [h, m] = t.text.split(/[:'h,.]/i);
      setHourMin(p, t, +h, +m);
      amPm(p, t);
      break;
    }
    case 'NOON':
    case 'MIDNIGHT':
    case 'TEATIME':
      tm.hour = t.kind === 'NOON' ? 12 : t.kind === 'MIDNIGHT' ? 0 : 16;
      tm.min = 0;
      break;
    default: {
      const h = +t.text;
      if (h > 24) fail(p, t, `hour ${h} is past 24`);
      tm.hour = h;
      tm.min = 0;
      amPm(p, t);
    }
  }
  if (peek(p).kind === 'UTC') {
    next(p);
    // at 3.2 switches TZ to UTC0 here: what follows is UTC; "now" was read before, locally.
    p.clock.zone = 'UTC';
  }
}

function setHourMin(p: Parse, t: AtToken, h: number, m: number): void {
  if (m > 60) fail(p, t, `minute ${m} is past 60`);
  if (h > 24) fail(p, t, `hour ${h} is past 24`);
  p.tm.hour = h;
  p.tm.min = m;
}

function amPm(p: Parse, hourTok: AtToken): void {
  const t = peek(p);
  if (t.kind !== 'AM' && t.kind !== 'PM') return;
  next(p);
  const tm = p.tm;
  if (tm.hour > 12) fail(p, hourTok, `hour ${tm.hour} is too large for ${t.text}: use 1 to 12`);
  if (t.kind === 'AM' && tm.hour === 12) tm.hour = 0;
  if (t.kind === 'PM' && tm.hour < 12) tm.hour += 12;
}

function date(p: Parse): void {
  const t = peek(p);
  const tm = p.tm;
  switch (t.kind) {
    case 'MONTH': {
      next(p);
      tm.mon = t.value;
      dayNumber(p, 'a day of the month after the month name');
      const n = peek(p);
      if (n.kind === 'CHAR' && n.text === ',') {
        next(p);
        yearNumber(p, true);
      } else yearNumber(p, false);
      return;
    }
    case 'DOW':
      next(p);
      return weekday(p, t.value);
    case 'TODAY':
      next(p);
      return;
    case 'TOMORROW':
      next(p);
      return p.clock.addDate(tm, 1, 'day');
    case 'HYPHEN': {
      next(p);
      const [y, m, d] = t.text.split('-').map(Number);
      return fullDate(p, t, y, m, d);
    }
    case 'DOTTED': {
      next(p);
      const [d, m, y] = t.text.split('.').map(Number);
      return fullDate(p, t, y, m, d);
    }
    case 'INT5_8':
      next(p);
      return concatenated(p, t);
    case 'NEXT': {
      next(p);
      const n = next(p);
      if (n.kind === 'PERIOD') return p.clock.addDate(tm, 1, n.period!);
      if (n.kind === 'DOW') return weekday(p, n.value);
      return fail(p, n, 'expected a unit (minute, hour, day, week, month, year) or a weekday after "next"');
    }
    default: {
      // int1_2digit followed by a month name, or by "/": startsDate() made sure of one.
      if (peek(p, 1).kind === 'MONTH') {
        dayNumber(p, '');
        tm.mon = next(p).value;
        yearNumber(p, false);
        return;
      }
      const mt = next(p);
      const m = +mt.text;
      if (m < 1 || m > 12) fail(p, mt, `month ${m} is not 1 to 12`);
      tm.mon = m - 1;
      next(p);
      dayNumber(p, 'a day after "month/"');
      const slash = next(p);
      if (slash.kind !== 'CHAR' || slash.text !== '/') fail(p, slash, 'expected "/" and a year, as in 12/24/2026');
      if (!yearNumber(p, true)) fail(p, peek(p), 'expected a year of 2 or 4 digits');
    }
  }
}

function weekday(p: Parse, dow: number): void {
  p.clock.addDate(p.tm, ((6 + dow - p.tm.wday) % 7) + 1, 'day');
}

function dayNumber(p: Parse, what: string): void {
  const t = next(p);
  if (!isInt12(t)) fail(p, t, `expected ${what}`);
  const d = +t.text;
  if (d < 1 || d > 31) fail(p, t, `day ${d} is not 1 to 31`);
  p.tm.mday = d;
}

function tmYear(n: number): number {
  return n < 70 ? 2000 + n : n > 1900 ? n : 1900 + n;
}

// year_number: INT2DIGIT | INT4DIGIT; optional unless after "," or in MM/DD/YY.
function yearNumber(p: Parse, required: boolean): boolean {
  const t = peek(p);
  if (t.kind !== 'INT2' && t.kind !== 'INT4') {
    if (required) fail(p, t, 'expected a year of 2 or 4 digits');
    return false;
  }
  next(p);
  p.yearSpec = true;
  p.tm.year = tmYear(+t.text);
  return true;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// YYYY-MM-DD and DD.MM.YY: checked against the real month length, unlike the other forms.
function fullDate(p: Parse, t: AtToken, y: number, m: number, d: number): void {
  p.yearSpec = true;
  if (m < 1 || m > 12) fail(p, t, `month ${m} is not 1 to 12`);
  const year = tmYear(y);
  const len = m === 2 && isLeap(year) ? 29 : DAYS_IN[m - 1];
  if (d < 1 || d > len) fail(p, t, `day ${d} is not in month ${m} of ${year}`);
  p.tm.mon = m - 1;
  p.tm.year = year;
  p.tm.mday = d;
}

// MMDDYY[YY] and MDDYY[YY] (at's own "kluge"): day 0 is allowed and means the last of the month before.
function concatenated(p: Parse, t: AtToken): void {
  p.yearSpec = true;
  const s = t.text;
  const ml = s.length === 5 || s.length === 7 ? 1 : 2;
  const m = +s.slice(0, ml);
  if (m < 1 || m > 12) fail(p, t, `month ${m} is not 1 to 12`);
  const d = +s.slice(ml, ml + 2);
  if (d > 31) fail(p, t, `day ${d} is past 31`);
  p.tm.mon = m - 1;
  p.tm.mday = d;
  p.tm.year = tmYear(+s.slice(ml + 2, ml + 6));
}

// inc_or_dec: ('+' | '-') integer period
function incOrDec(p: Parse): void {
  const sign = next(p);
  const n = next(p);
  if (!['INT', 'INT1', 'INT2', 'INT4', 'INT5_8'].includes(n.kind)) fail(p, n, `expected a number after "${sign.text}"`);
  const unit = next(p);
  if (unit.kind !== 'PERIOD') fail(p, unit, 'expected minutes, hours, days, weeks, months or years');
  const count = scanInt(n.text);
  const period: AtPeriod = unit.period!;
  if (period !== 'minute' && period !== 'hour') p.timeOnly = false;
  p.clock.addDate(p.tm, sign.text === '-' ? -count | 0 : count, period);
}

// sscanf("%d") as glibc does it: strtol (saturating at the long range), then cut to an int.
function scanInt(digits: string): number {
  let v = BigInt(digits);
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  return Number(BigInt.asIntN(32, v));
}
