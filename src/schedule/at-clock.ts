// The struct tm arithmetic of Linux at 3.2 (parsetime.y), reproduced step by step because its
// results depend on it: fields are changed in place and only normalised when mktime() runs,
// `+ N hours` adds seconds and then moves the result by an hour when daylight-saving time
// starts or ends in between (so `now + 24 hours` keeps the wall clock), and glibc's mktime()
// remembers the offset of its previous call, which decides an ambiguous time in a fold.
import { isDstAt, mktimeSeconds, offsetAt, wallFields, wallSeconds } from './zone.js';
import type { AtPeriod } from './at-lexer.js';

/** A struct tm: full year, month 0-11, tm_isdst -1 (unknown), 0 or 1. */
export interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  isdst: -1 | 0 | 1;
}

// JavaScript dates end at ±8.64e15 ms; beyond that mktime() "fails" as glibc's does at overflow.
const LIMIT = 8.64e12;

/** A time JavaScript cannot hold, met halfway through the arithmetic (e.g. now + 2147483647 weeks). */
export class AtOutOfRange extends Error {}

/** The clock of one parse: the zone (at switches to UTC on "utc") and mktime()'s remembered offset. */
export class AtClock {
  private hint = 0;

  constructor(public zone: string) {}

  /** localtime(): the fields of epoch seconds in the current zone. */
  localtime(sec: number): Tm {
    if (!(Math.abs(sec) <= LIMIT)) throw new AtOutOfRange();
    const off = offsetAt(sec, this.zone);
    const f = wallFields(sec + off);
    return { year: f.year, mon: f.month - 1, mday: f.day, hour: f.hour, min: f.minute, sec: f.second, wday: f.weekday, isdst: isDstAt(sec, this.zone) ? 1 : 0 };
  }

  /** mktime(): epoch seconds of tm, normalising tm in place; undefined where glibc returns -1. */
  mktime(tm: Tm): number | undefined {
    const fields = { year: tm.year, month: tm.mon + 1, day: tm.mday, hour: tm.hour, minute: tm.min, second: tm.sec };
    const wall = wallSeconds(fields);
    if (!Number.isFinite(wall) || Math.abs(wall) > LIMIT) return undefined;
    const t = mktimeSeconds(fields, this.zone, { isDst: tm.isdst, hint: this.hint });
    this.hint = wall - t;
    Object.assign(tm, this.localtime(t));
    return t;
  }

  /** add_seconds(): move tm by n seconds, then undo a daylight-saving change of one hour. */
  addSeconds(tm: Tm, n: number): void {
    const base = { ...tm };
    let t = (this.mktime(tm) ?? 0) + n;
    Object.assign(tm, this.localtime(t));
    this.mktime(base);
    this.mktime(tm);
    // at assumes every change is one hour; Lord Howe's half hour gets the same treatment.
    if (base.isdst > 0 && tm.isdst < 1) t += 3600;
    else if (base.isdst < 1 && tm.isdst > 0) t -= 3600;
    else return;
    Object.assign(tm, this.localtime(t));
  }

  /** add_date(): `+ N period`; months and years change fields, the rest add seconds. */
  addDate(tm: Tm, number: number, period: AtPeriod): void {
    switch (period) {
      case 'minute':
        return this.addSeconds(tm, 60 * number);
      case 'hour':
        return this.addSeconds(tm, 3600 * number);
      case 'day':
        return this.addSeconds(tm, 86400 * number);
      case 'week':
        return this.addSeconds(tm, 7 * 86400 * number);
      case 'month': {
        let newmonth = (tm.mon + number) | 0;
        let years = 0;
        if (newmonth < 0) {
          const k = Math.ceil(-newmonth / 12);
          newmonth += 12 * k;
          years = -k;
        }
        tm.mon = newmonth % 12;
        years += Math.trunc(newmonth / 12);
        tm.isdst = -1;
        this.mktime(tm);
        if (years !== 0) this.addYears(tm, years);
        return;
      }
      case 'year':
        return this.addYears(tm, number);
    }
  }

  private addYears(tm: Tm, n: number): void {
    tm.year += n;
    tm.isdst = -1;
    this.mktime(tm);
  }
}
