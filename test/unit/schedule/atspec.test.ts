// Conformance of resolveAt with Linux at 3.2.5 (Debian 12's `at`). Every expected time here is
// what `echo true | faketime "<from>" at -v SPEC` queued (read back in UTC with atq), recorded;
// test/oracle/at.test.ts re-checks the rules live against the installed at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AtParseError, resolveAt } from '../../../src/schedule/atspec.js';
import { zonedToUtc } from '../../../src/schedule/zone.js';
import { atOutcome } from './at-outcome.js';

type Row = [spec: string, expected: string];

/** An instant given as local wall time "YYYY-MM-DDTHH:MM:SS" in tz. */
function local(text: string, tz: string): Date {
  const [y, mo, d, h, mi, s] = text.split(/[-T:]/).map(Number);
  return zonedToUtc({ year: y, month: mo, day: d, hour: h, minute: mi, second: s }, tz);
}


// Sunday 2026-11-22 10:00:30 UTC: seconds on purpose, at drops them.
const SUNDAY = new Date('2026-11-22T10:00:30Z');

function table(name: string, rows: Row[], from = SUNDAY, tz = 'UTC'): void {
  test(name, () => {
    for (const [spec, want] of rows) assert.equal(atOutcome(spec, from, tz), want, `at ${JSON.stringify(spec)}`);
  });
}

table('at rule: seconds are always 0 ("now" is the current minute)', [
  ['now', '2026-11-22T10:00:00+00:00'],
  ['NOW', '2026-11-22T10:00:00+00:00'],
  ['now + 0 minutes', '2026-11-22T10:00:00+00:00'],
  ['today', '2026-11-22T10:00:00+00:00'],
]);

table('at rule: time forms HH:MM, HHMM, H am/pm, HH.MM AM, HHhMM, noon, midnight, teatime (16:00)', [
  ['teatime', '2026-11-22T16:00:00+00:00'],
  ['noon', '2026-11-22T12:00:00+00:00'],
  ['midnight', '2026-11-23T00:00:00+00:00'],
  ['11.15 AM', '2026-11-22T11:15:00+00:00'],
  ['11h15', '2026-11-22T11:15:00+00:00'],
  ['11,15', '2026-11-22T11:15:00+00:00'],
  ['12 am', '2026-11-23T00:00:00+00:00'],
  ['12 pm', '2026-11-22T12:00:00+00:00'],
  ['0 pm', '2026-11-22T12:00:00+00:00'],
  ['12:30 am', '2026-11-23T00:30:00+00:00'],
  ['11:59 pm', '2026-11-22T23:59:00+00:00'],
  ['01h05pm', '2026-11-22T13:05:00+00:00'],
  ['0000', '2026-11-23T00:00:00+00:00'],
]);

table('at rule: a time not later than now today means tomorrow (10:00 at 10:00:30 is tomorrow)', [
  ['10:00', '2026-11-23T10:00:00+00:00'],
  ['10:01', '2026-11-22T10:01:00+00:00'],
  ['9:59', '2026-11-23T09:59:00+00:00'],
  ['23:00 + 2 hours', '2026-11-23T01:00:00+00:00'],
  ['9:00 + 1 hour', '2026-11-23T10:00:00+00:00'],
  // at compares only the day of the month: 720 hours later is Dec 22 09:00, "passed", so Dec 23.
  ['9:00 + 720 hours', '2026-12-23T09:00:00+00:00'],
  ['10:00 utc', '2026-11-23T10:00:00+00:00'],
  ['3 pm utc', '2026-11-22T15:00:00+00:00'],
]);

table('at rule: mktime normalisation (10:60 is 11:00, 24:00 is midnight, feb 30 is mar 2)', [
  ['10:60', '2026-11-22T11:00:00+00:00'],
  ['9:60', '2026-11-23T10:00:00+00:00'],
  ['24:00', '2026-11-23T00:00:00+00:00'],
  ['1060', '2026-11-22T11:00:00+00:00'],
  ['2400', '2026-11-23T00:00:00+00:00'],
  ['feb 30', '2027-03-02T10:00:00+00:00'],
  ['Feb 31', '2027-03-03T10:00:00+00:00'],
  ['feb 29', '2027-03-01T10:00:00+00:00'],
  ['2/30/27', '2027-03-02T10:00:00+00:00'],
  ['jan 31 + 1 month', '2027-03-03T10:00:00+00:00'],
  ['jan 31 + 13 months', '2027-03-03T10:00:00+00:00'],
]);

table('at rule: a date alone keeps the time of day; a month-day already past this year is next year', [
  ['tomorrow', '2026-11-23T10:00:00+00:00'],
  ['nov 22', '2026-11-22T10:00:00+00:00'],
  ['nov 21', '2027-11-21T10:00:00+00:00'],
  ['22 nov', '2026-11-22T10:00:00+00:00'],
  ['nov 21 + 1 day', '2026-11-22T10:00:00+00:00'],
  ['jan 31 + 1 year', '2027-01-31T10:00:00+00:00'],
  ['teatime tomorrow', '2026-11-23T16:00:00+00:00'],
  ['midnight tomorrow', '2026-11-23T00:00:00+00:00'],
  ['noon tomorrow + 1 hour', '2026-11-23T13:00:00+00:00'],
  ['10am today', '2026-11-22T10:00:00+00:00'],
  ['11 am may 20', '2027-05-20T11:00:00+00:00'],
  ['16:00 dec 24', '2026-12-24T16:00:00+00:00'],
]);

table('at rule: a weekday is 1 to 7 days ahead, so on a Sunday "sunday" is next week', [
  ['sunday', '2026-11-29T10:00:00+00:00'],
  ['sun', '2026-11-29T10:00:00+00:00'],
  ['Monday', '2026-11-23T10:00:00+00:00'],
  ['sat', '2026-11-28T10:00:00+00:00'],
  ['noon sat', '2026-11-28T12:00:00+00:00'],
  ['10 am tuesday', '2026-11-24T10:00:00+00:00'],
  ['next sunday', '2026-11-29T10:00:00+00:00'],
  ['next monday', '2026-11-23T10:00:00+00:00'],
]);

table('at rule: date forms: month day [[,] year], MM/DD/YY[YY], DD.MM.YY[YY], [YY]YY-MM-DD, [M]MDDYY[YY]', [
  ['nov 22, 2027', '2027-11-22T10:00:00+00:00'],
  ['aug 1 ,2027', '2027-08-01T10:00:00+00:00'],
  ['1 aug 27', '2027-08-01T10:00:00+00:00'],
  ['11/22/26', '2026-11-22T10:00:00+00:00'],
  ['11/22/2026', '2026-11-22T10:00:00+00:00'],
  ['4pm 12/24/26', '2026-12-24T16:00:00+00:00'],
  ['22.11.26', '2026-11-22T10:00:00+00:00'],
  ['22.11.2026', '2026-11-22T10:00:00+00:00'],
  ['1.1.27', '2027-01-01T10:00:00+00:00'],
  ['2026-11-22', '2026-11-22T10:00:00+00:00'],
  ['2027-8-1', '2027-08-01T10:00:00+00:00'],
  ['26-11-22', '2026-11-22T10:00:00+00:00'],
  ['112226', '2026-11-22T10:00:00+00:00'],
  ['11222026', '2026-11-22T10:00:00+00:00'],
  ['12345', '2045-01-23T10:00:00+00:00'],
  ['1/1/69', '2069-01-01T10:00:00+00:00'],
  ['nov 22 1000', '2900-11-22T10:00:00+00:00'],
]);

table('at rule: increments now + N min|minutes|hours|days|weeks|months|years and next unit', [
  ['now + 1 min', '2026-11-22T10:01:00+00:00'],
  ['now + 1 minute', '2026-11-22T10:01:00+00:00'],
  ['now + 2 minutes', '2026-11-22T10:02:00+00:00'],
  ['now+1hour', '2026-11-22T11:00:00+00:00'],
  ['now + 1 day', '2026-11-23T10:00:00+00:00'],
  ['now + 3 days', '2026-11-25T10:00:00+00:00'],
  ['now + 1 week', '2026-11-29T10:00:00+00:00'],
  ['now + 5 weeks', '2026-12-27T10:00:00+00:00'],
  ['now + 1 month', '2026-12-22T10:00:00+00:00'],
  ['now + 1 year', '2027-11-22T10:00:00+00:00'],
  ['now + 10000 minutes', '2026-11-29T08:40:00+00:00'],
  ['noon + 1 day', '2026-11-23T12:00:00+00:00'],
  ['next week', '2026-11-29T10:00:00+00:00'],
  ['next day', '2026-11-23T10:00:00+00:00'],
  ['next minute', '2026-11-22T10:01:00+00:00'],
  ['next hour', '2026-11-22T11:00:00+00:00'],
  ['next month', '2026-12-22T10:00:00+00:00'],
  ['next year', '2027-11-22T10:00:00+00:00'],
]);

table('at rule: the count is read with sscanf("%d"): cut to 32 bits, saturated past 64', [
  ['now + 99999999999 minutes', '4338-06-07T18:31:00+00:00'],
  ['now + 4294967296 minutes', '2026-11-22T10:00:00+00:00'],
  ['now + 2147483648 minutes', 'past'],
  ['now + 99999999999999999999 minutes', 'past'],
  ['now - 99999999999999999999 minutes', '2026-11-22T10:01:00+00:00'],
]);

table('at rule: a time before the current minute is refused', [
  ['9am today', 'past'],
  ['now - 1 minute', 'past'],
  ['now - 13 months', 'past'],
  ['mar 31 2015', 'past'],
  ['10am mar 31 2015', 'past'],
  ['1/1/70', 'past'],
  ['nov 22 99', 'past'],
  ['1122026', 'past'],
  ['110026', 'past'],
]);

table('at rule: what at refuses as a garbled time', [
  ['garbage', 'garbled'], ['now + 1.5 hours', 'garbled'], ['now +', 'garbled'], ['', 'garbled'],
  ['10', 'garbled'], ['10 tomorrow', 'garbled'], ['tomorrow teatime', 'garbled'], ['fri 10:00', 'garbled'],
  ['now next week', 'garbled'], ['now + 1 hour + 1 hour', 'garbled'], ['25:00', 'garbled'], ['10:61', 'garbled'],
  ['13 pm', 'garbled'], ['001 pm', 'garbled'], ['1:5', 'garbled'], ['nov 0', 'garbled'], ['nov 32', 'garbled'],
  ['0 nov', 'garbled'], ['nov 22 026', 'garbled'], ['2027-02-29', 'garbled'], ['2026-11-0', 'garbled'],
  ['0.11.26', 'garbled'], ['31.11.26', 'garbled'], ['13/1/26', 'garbled'], ['11/0/26', 'garbled'], ['8/1', 'garbled'],
  ['1 aug, 2027', 'garbled'], ['now utc', 'garbled'], ['mins', 'garbled'], ['113226', 'garbled'],
  ['123456789', 'garbled'], ['10:00 a.m.', 'garbled'],
]);

type LocalRow = [from: string, spec: string, expected: string];

function localTable(name: string, tz: string, rows: LocalRow[]): void {
  test(name, () => {
    for (const [from, spec, want] of rows) assert.equal(atOutcome(spec, local(from, tz), tz), want, `at ${JSON.stringify(spec)} from ${from} ${tz}`);
  });
}

localTable('at rule: now + 24 hours keeps the wall clock across DST (America/New_York, 2026-03-08 and 2026-11-01)', 'America/New_York', [
  ['2026-03-07T10:00:00', 'now + 24 hours', '2026-03-08T10:00:00-04:00'],
  ['2026-03-07T10:00:00', 'now + 1 week', '2026-03-14T10:00:00-04:00'],
  ['2026-03-07T10:30:00', '10:00 tomorrow', '2026-03-08T10:00:00-04:00'],
  ['2026-10-31T01:30:00', 'tomorrow', '2026-11-01T01:30:00-04:00'],
  ['2026-10-31T01:30:00', 'now + 24 hours', '2026-11-01T01:30:00-04:00'],
]);

localTable('at rule: the one-hour DST correction also applies to minutes and hours (America/New_York)', 'America/New_York', [
  ['2026-11-01T00:30:00', 'now + 1 hour', '2026-11-01T01:30:00-04:00'],
  ['2026-11-01T00:30:00', 'now + 2 hours', '2026-11-01T02:30:00-05:00'],
  ['2026-11-01T00:30:00', 'now + 90 minutes', '2026-11-01T02:00:00-05:00'],
  // 01:30 EST + 1 h is 03:30 EDT, corrected back by an hour: the job is queued for now.
  ['2026-03-08T01:30:00', 'now + 1 hour', '2026-03-08T01:30:00-05:00'],
  ['2026-03-08T01:45:00', 'now + 30 minutes', 'past'],
  // 02:30 today + 1 day crosses the jump and is corrected to 01:30.
  ['2026-03-07T10:30:00', '2:30 tomorrow', '2026-03-08T01:30:00-05:00'],
  ['2026-11-22T12:00:00', '2:30 mar 7 + 1 day', '2027-03-08T01:30:00-05:00'],
]);

localTable('at rule: a nonexistent local time is read as mktime(tm_isdst=-1) does (02:30 -> 03:30 EDT)', 'America/New_York', [
  ['2026-03-07T10:30:00', '2:30 mar 8', '2026-03-08T03:30:00-04:00'],
  ['2026-03-08T00:30:00', '2:30', '2026-03-08T03:30:00-04:00'],
  ['2026-03-07T03:00:00', '2:30 + 1 minute', '2026-03-08T03:31:00-04:00'],
]);

localTable('at rule: an ambiguous local time is what a fresh glibc mktime picks (EDT in New York)', 'America/New_York', [
  ['2026-10-31T12:00:00', '1:30 nov 1', '2026-11-01T01:30:00-04:00'],
  ['2026-01-31T12:00:00', '1:30 nov 1', '2026-11-01T01:30:00-04:00'],
  ['2026-11-01T00:10:00', '1:30', '2026-11-01T01:30:00-04:00'],
  ['2026-10-31T03:00:00', '1:30 + 1 minute', '2026-11-01T01:31:00-04:00'],
]);

localTable('at rule: utc reads the time, and what follows, in UTC; "passed" is still judged on the local clock', 'America/New_York', [
  ['2026-03-07T12:00:00', '2:30 utc tomorrow', '2026-03-07T21:30:00-05:00'],
  ['2026-10-31T12:00:00', '16:00 utc', '2026-10-31T12:00:00-04:00'],
  ['2026-10-31T17:00:00', '16:00 utc', '2026-11-01T11:00:00-05:00'],
  ['2026-10-31T17:00:00', '20:00 utc', 'past'],
]);

localTable('at rule: DST in Europe/Berlin (2026-03-29 and 2026-10-25)', 'Europe/Berlin', [
  ['2026-03-28T10:00:00', 'now + 24 hours', '2026-03-29T10:00:00+02:00'],
  ['2026-03-28T10:00:00', 'now + 1440 minutes', '2026-03-29T10:00:00+02:00'],
  ['2026-10-24T10:00:00', 'now + 1 day', '2026-10-25T10:00:00+01:00'],
  ['2026-03-28T12:00:00', '2:30 tomorrow', '2026-03-29T01:30:00+01:00'],
  ['2026-03-28T12:00:00', '2:30 mar 29', '2026-03-29T03:30:00+02:00'],
  // fresh glibc mktime picks CET (the offset nearer UTC) for an ambiguous time in Berlin
  ['2026-10-24T12:00:00', '2:30 oct 25', '2026-10-25T02:30:00+01:00'],
  ['2026-10-25T01:00:00', '2:30', '2026-10-25T02:30:00+01:00'],
  ['2026-03-29T01:59:00', 'now + 1 minute', 'past'],
  // "+ 1 day" leaves tm_isdst=0 in the fields; next year's Mar 28 is summer time, so +1 h.
  ['2026-11-22T12:00:00', 'mar 27 + 1 day', '2027-03-28T13:00:00+02:00'],
  ['2026-11-22T10:00:00', '10:00 utc tomorrow', '2026-11-23T11:00:00+01:00'],
  ['2026-07-22T10:00:00', '10:00 utc tomorrow', '2026-07-23T12:00:00+02:00'],
  ['2026-07-22T10:00:00', 'noon utc dec 1', '2026-12-01T13:00:00+01:00'],
  ['2026-11-22T10:00:00', 'now', '2026-11-22T10:00:00+01:00'],
  ['2026-11-22T10:00:00', '11.15 AM', '2026-11-22T11:15:00+01:00'],
  ['2026-11-22T10:00:00', 'sunday', '2026-11-29T10:00:00+01:00'],
]);

test('at rule: the TZ environment is honoured when no zone is given', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'America/New_York';
    assert.equal(resolveAt('teatime', new Date('2026-11-22T15:00:00Z')).toISOString(), '2026-11-22T21:00:00.000Z');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('AtParseError: shows the rest of the spec from where the parse stopped, and its 1-based column', () => {
  const err = (spec: string) => {
    try {
      resolveAt(spec, SUNDAY, 'UTC');
    } catch (e) {
      assert.ok(e instanceof AtParseError);
      return { message: e.message, column: e.column };
    }
    assert.fail(`${spec} was accepted`);
  };
  assert.deepEqual(err('now + foo'), { message: 'garbled time at "foo" (column 7): expected a number after "+"', column: 7 });
  assert.equal(err('foo').message.startsWith('garbled time at "foo" (column 1)'), true);
  assert.deepEqual(err('25:00').column, 1);
  assert.match(err('25:00').message, /^garbled time at "25:00" \(column 1\): hour 25 is past 24$/);
  assert.deepEqual(err('tomorrow teatime').column, 10);
  assert.deepEqual(err('10').message, 'garbled time at "10" (column 1): expected am or pm, a month name or "/" after "10"');
  assert.deepEqual(err('nov 32').column, 5);
});

test('AtPastError: says when', () => {
  assert.throws(() => resolveAt('mar 31 2015', SUNDAY, 'UTC'), {
    name: 'AtPastError',
    message: 'refusing to create job destined in the past (Tue Mar 31 10:00:00 2015)',
  });
});
