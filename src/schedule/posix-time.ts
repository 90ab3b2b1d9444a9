// `at -t [[CC]YY]MMDDhhmm[.SS]`: POSIX's time (as touch -t), in the caller's zone, to the minute.
// Unlike a TIMESPEC it may lie in the past (the job then runs at once), as Debian's at takes it.
import { zonedToUtc } from './zone.js';

/** A -t value at(1) refuses; the message is at's own. */
export class PosixTimeError extends Error {
  override name = 'PosixTimeError';
  constructor(readonly text: string) {
    super(`invalid date format: ${text}`);
  }
}

/** The instant of a POSIX time in zone tz; `now` gives the year when YY is left out. */
export function parsePosixTime(text: string, now: Date, tz: string): Date {
  const m = /^(\d{8}|\d{10}|\d{12})(?:\.(\d\d))?$/.exec(text);
  if (!m) throw new PosixTimeError(text);
  const digits = m[1];
  const tail = digits.slice(-8); // MMDDhhmm
  let year: number;
  if (digits.length === 12) year = Number(digits.slice(0, 4));
  else if (digits.length === 10) {
    const yy = Number(digits.slice(0, 2));
    year = (yy >= 69 ? 1900 : 2000) + yy; // POSIX: 69-99 are 19YY, 00-68 20YY
  } else year = Number(new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric' }).format(now));
  const month = Number(tail.slice(0, 2));
  const day = Number(tail.slice(2, 4));
  const hour = Number(tail.slice(4, 6));
  const minute = Number(tail.slice(6, 8));
  const second = m[2] == null ? 0 : Number(m[2]);
  // A day past the month's end (02301030) is refused, not carried into the next month.
  const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) throw new PosixTimeError(text);
  // .SS is checked but not kept: at's queue holds whole minutes (Debian's at -t 2612251030.45
  // says "at ... 10:30:45", and atq, and the run, say 10:30).
  void second;
  return zonedToUtc({ year, month, day, hour, minute, second: 0 }, tz);
}
