// When a cron expression runs: a pure function of (expression, count, from, zone), so the timer
// loop only sleeps until the first result and asks again.
//
// Daylight-saving time, as cronie's main loop (cron.c) handles it. cronie wakes every minute,
// reads the local wall clock and compares it with the minute it handled last:
//   - one minute later: every job whose fields match the new minute runs;
//   - 2 to 5 minutes later: every skipped minute is caught up, for every job, at once;
//   - 6 minutes to 3 hours later (spring forward): fixed-time jobs whose time fell in the
//     skipped minutes run once, right after the jump (at 03:00 when 02:00-02:59 is skipped);
//     wildcard jobs are not caught up: they run once at the first new minute only if it
//     matches, never once per skipped hour;
//   - more than 3 hours later: the skipped minutes are lost for every job;
//   - up to 3 hours earlier (fall back): while the wall clock repeats minutes it has already
//     shown, wildcard jobs run again at their times and fixed-time jobs do not run a second time;
//   - more than 3 hours earlier: the repeated minutes run again for every job.
// A job is a wildcard job when its minute or hour field starts with "*" ("*/15 * * * *",
// "0 * * * *", "30 */2 * * *", @hourly), and a fixed-time job otherwise ("30 2 * * *",
// "0,30 1-3 * * *", "0 0-23/2 * * *", @daily). One difference, on purpose: where cronie would
// start a fixed-time job once per matching skipped minute, seconds apart ("0,30 2 * * *" on
// the night of the jump), this reports one run at the jump, since a list of instants cannot
// hold two runs at one instant.
//
// Days: a day matches when its day of month and its weekday both match if either field starts
// with "*" (so "0 0 */2 * 1" is odd-dated Mondays), and when either matches otherwise
// ("30 4 1,15 * 5" is the 1st, the 15th and every Friday).
import { parseCron, type CronExpr } from './cron-parse.js';
import { lastTransition, nextTransition, offsetAt, resolveZone } from './zone.js';

interface Matcher {
  /** next allowed value at or after i, or -1; indexed 0..60, 0..24, 1..13 */
  minute: Int8Array;
  hour: Int8Array;
  month: Int8Array;
  dom: Uint8Array;
  dow: Uint8Array;
  and: boolean;
}

const DAY = 86400;
// Feb 29 on a given weekday recurs within 40 years (2100 is not a leap year); search a bit more.
const HORIZON_YEARS = 50;
const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const matchers = new WeakMap<CronExpr, Matcher>();

/**
 * The next `n` instants after `from` (exclusive) at which cronie would start a job with this
 * schedule in zone `tz` (default $TZ / system zone); fewer if it never runs again (Feb 30, @reboot).
 */
export function nextRuns(expr: CronExpr | string, n: number, from: Date, tz?: string): Date[] {
  const e = typeof expr === 'string' ? parseCron(expr) : expr;
  const out: Date[] = [];
  if (e.reboot || n <= 0 || !possible(e)) return out;
  const zone = resolveZone(tz);
  const m = matcher(e);
  const wild = e.minuteStar || e.hourStar;
  const fromMs = from.getTime();
  const limit = Math.floor(fromMs / 1000) + HORIZON_YEARS * 366 * DAY;
  const push = (sec: number) => {
    const ms = sec * 1000;
    if (ms > fromMs && (out.length === 0 || out[out.length - 1].getTime() !== ms)) out.push(new Date(ms));
  };
  let cur = Math.floor(fromMs / 1000);
  // A fall-back just before `from` may still be repeating wall-clock minutes.
  let prev = lastTransition(cur, cur - 2 * DAY, zone);
  while (out.length < n && cur < limit) {
    const off = offsetAt(cur, zone);
    const tr = nextTransition(cur, limit, zone);
    const end = tr ? tr.at : limit;
    // Wall-clock minutes before this one were shown already, before a fall-back.
    const repeatedUntil = prev && !wild && prev.before > prev.after && jump(prev) >= -180 ? prev.at + prev.before : -Infinity;
    const wallEnd = Math.ceil((end + off) / 60);
    for (let w = Math.ceil((cur + off) / 60); out.length < n; w++) {
      const hit = nextMatch(m, w, wallEnd);
      if (hit === undefined) break;
      w = hit;
      if (hit * 60 < repeatedUntil) continue;
      push(hit * 60 - off);
    }
    if (tr && tr.after > tr.before && out.length < n) {
      const j = jump(tr);
      const caughtUp = j <= 5 || (j <= 180 && !wild);
      if (caughtUp && nextMatch(m, Math.ceil((tr.at + tr.before) / 60), Math.ceil((tr.at + tr.after) / 60)) !== undefined) {
        push(tr.at);
      }
    }
    prev = tr;
    cur = end;
  }
  return out.slice(0, n);
}

/** cronie's timeDiff across a transition: how many minutes the wall clock moves in one minute. */
function jump(tr: { before: number; after: number }): number {
  return Math.round((tr.after - tr.before) / 60) + 1;
}

// With the AND rule a day must be a real date of an allowed month ("0 0 30 2 *" never runs);
// with the OR rule every weekday comes round.
function possible(e: CronExpr): boolean {
  if (!(e.domStar || e.dowStar)) return true;
  return e.months.some((mo) => e.days.some((d) => d <= (mo === 2 ? 29 : DAYS_IN[mo - 1])));
}

function nextTable(values: readonly number[], size: number): Int8Array {
  const t = new Int8Array(size + 1).fill(-1);
  for (let i = size - 1, nxt = -1; i >= 0; i--) {
    if (values.includes(i)) nxt = i;
    t[i] = nxt;
  }
  return t;
}

function matcher(e: CronExpr): Matcher {
  let m = matchers.get(e);
  if (!m) {
    const dom = new Uint8Array(32);
    for (const d of e.days) dom[d] = 1;
    const dow = new Uint8Array(7);
    for (const d of e.weekdays) dow[d] = 1;
    m = {
      minute: nextTable(e.minutes, 60),
      hour: nextTable(e.hours, 24),
      month: nextTable(e.months, 13),
      dom,
      dow,
      and: e.domStar || e.dowStar,
    };
    matchers.set(e, m);
  }
  return m;
}

const daysIn = (y: number, mo: number) =>
  mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DAYS_IN[mo - 1];

/** The first wall-clock minute (minutes since the epoch, read as UTC) >= start and < end that matches. */
function nextMatch(m: Matcher, start: number, end: number): number | undefined {
  const d0 = new Date(start * 60000);
  let y = d0.getUTCFullYear();
  let mo = d0.getUTCMonth() + 1;
  let d = d0.getUTCDate();
  let h = d0.getUTCHours();
  let mi = d0.getUTCMinutes();
  for (;;) {
    const nm = m.month[mo];
    if (nm < 0) {
      y++;
      mo = 1;
      d = 1;
      h = mi = 0;
      if (Date.UTC(y, 0, 1) / 60000 >= end) return undefined;
      continue;
    }
    if (nm !== mo) {
      mo = nm;
      d = 1;
      h = mi = 0;
    }
    if (d > daysIn(y, mo)) {
      mo++;
      d = 1;
      h = mi = 0;
      if (Date.UTC(y, mo - 1, 1) / 60000 >= end) return undefined;
      continue;
    }
    const day = Date.UTC(y, mo - 1, d) / 60000;
    if (day >= end) return undefined;
    const wd = (((day / 1440 + 4) % 7) + 7) % 7;
    const ok = m.and ? m.dom[d] && m.dow[wd] : m.dom[d] || m.dow[wd];
    const nh = ok ? m.hour[h] : -1;
    if (nh < 0) {
      d++;
      h = mi = 0;
      continue;
    }
    if (nh !== h) {
      h = nh;
      mi = 0;
    }
    const nmi = m.minute[mi];
    if (nmi < 0) {
      h++;
      mi = 0;
      continue;
    }
    const w = day + h * 60 + nmi;
    return w < end ? w : undefined;
  }
}
