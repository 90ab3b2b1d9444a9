// When nextRuns says a schedule runs: exact instants from fixed reference dates. The DST
// expectations follow cronie's main loop (cron.c), reasoned step by step in each comment; the
// rule itself is written out at the top of src/schedule/cron-runs.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRuns, parseCron } from '../../../src/schedule/cron.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const runs = (expr: string, n: number, from: string, tz: string) => nextRuns(expr, n, new Date(from), tz).map((d) => d.toISOString().slice(0, 16));

test('cron: next runs from a fixed date, strictly after it', () => {
  assert.deepEqual(runs('*/15 * * * *', 3, '2026-11-22T10:00:00Z', BERLIN), ['2026-11-22T10:15', '2026-11-22T10:30', '2026-11-22T10:45']);
  assert.deepEqual(runs('0 10 * * *', 2, '2026-11-22T10:00:00Z', 'UTC'), ['2026-11-23T10:00', '2026-11-24T10:00']);
  assert.deepEqual(runs('0 10 * * *', 1, '2026-11-22T09:59:59.999Z', 'UTC'), ['2026-11-22T10:00']);
  assert.deepEqual(runs('0 10 * * *', 1, '2026-11-22T10:00:00Z', NY), ['2026-11-22T15:00']);
  assert.deepEqual(runs('@weekly', 2, '2026-11-22T10:00:00Z', 'UTC'), ['2026-11-29T00:00', '2026-12-06T00:00']);
  assert.deepEqual(runs('@yearly', 2, '2026-11-22T10:00:00Z', 'UTC'), ['2027-01-01T00:00', '2028-01-01T00:00']);
  assert.deepEqual(runs('@monthly', 1, '2026-11-22T10:00:00Z', BERLIN), ['2026-11-30T23:00']);
  assert.deepEqual(nextRuns(parseCron('*/5 * * * *'), 0, new Date(), 'UTC'), []);
});

test('cron day rule: both day fields restricted, neither starting with "*": either matching is enough', () => {
  // 30 4 1,15 * 5: the 1st, the 15th and every Friday (crontab(5)); 2026-11-27 is a Friday.
  assert.deepEqual(runs('30 4 1,15 * 5', 5, '2026-11-22T10:00:00Z', 'UTC'), [
    '2026-11-27T04:30', '2026-12-01T04:30', '2026-12-04T04:30', '2026-12-11T04:30', '2026-12-15T04:30',
  ]);
  // 1-7 OR Monday: every day of the first week plus the other Mondays
  assert.deepEqual(runs('0 0 1-7 * 1', 4, '2026-11-22T10:00:00Z', 'UTC'), ['2026-11-23T00:00', '2026-11-30T00:00', '2026-12-01T00:00', '2026-12-02T00:00']);
  // no Feb 30, but every Monday of February
  assert.deepEqual(runs('0 0 30 2 1', 2, '2026-11-22T10:00:00Z', 'UTC'), ['2027-02-01T00:00', '2027-02-08T00:00']);
});

test('cron day rule: a day field starting with "*" makes both fields required (0 0 */2 * 1 is odd-dated Mondays)', () => {
  assert.deepEqual(runs('0 0 */2 * 1', 5, '2026-11-22T10:00:00Z', 'UTC'), [
    '2026-11-23T00:00', '2026-12-07T00:00', '2026-12-21T00:00', '2027-01-11T00:00', '2027-01-25T00:00',
  ]);
  // the 1st of the month when it is a Sunday, Tuesday, Thursday or Saturday
  assert.deepEqual(runs('0 0 1 * */2', 3, '2026-11-22T10:00:00Z', 'UTC'), ['2026-12-01T00:00', '2027-04-01T00:00', '2027-05-01T00:00']);
});

test('cron: a schedule that can never run gives no runs (Feb 30, Apr 31, @reboot)', () => {
  assert.deepEqual(runs('0 0 30 2 *', 3, '2026-11-22T10:00:00Z', 'UTC'), []);
  assert.deepEqual(runs('0 0 31 4,6 *', 3, '2026-11-22T10:00:00Z', 'UTC'), []);
  assert.deepEqual(runs('@reboot', 3, '2026-11-22T10:00:00Z', 'UTC'), []);
  assert.deepEqual(runs('0 0 29 2 *', 2, '2026-11-22T10:00:00Z', 'UTC'), ['2028-02-29T00:00', '2032-02-29T00:00']);
});

// America/New_York, Sunday 2026-03-08: at 07:00Z the clock goes from 01:59 EST to 03:00 EDT.
// cronie's next wake-up sees the wall clock 61 minutes on ("medium" jump): it runs wildcard jobs
// for 03:00 only, then every fixed-time job of the virtual minutes 02:00 to 03:00.

test('cron DST forward: a fixed-time job in the skipped hour runs once right after the jump (NY 2026-03-08)', () => {
  // 02:30 does not exist on the 8th: the job runs at 03:00 EDT = 07:00Z, then 02:30 EDT again.
  assert.deepEqual(runs('30 2 * * *', 3, '2026-03-07T12:00:00Z', NY), ['2026-03-08T07:00', '2026-03-09T06:30', '2026-03-10T06:30']);
  // two skipped matches (02:00, 02:30) still make one run at the jump
  assert.deepEqual(runs('0,30 2 * * *', 3, '2026-03-07T12:00:00Z', NY), ['2026-03-08T07:00', '2026-03-09T06:00', '2026-03-09T06:30']);
  // a skipped match and 03:00 itself: the same one run at 07:00Z
  assert.deepEqual(runs('0 2,3 * * *', 2, '2026-03-07T12:00:00Z', NY), ['2026-03-08T07:00', '2026-03-09T06:00']);
});

test('cron DST forward: a step without "*" is fixed-time in cronie (0 0-23/2: 02:00 runs at 03:00 EDT)', () => {
  assert.deepEqual(runs('0 0-23/2 * * *', 3, '2026-03-08T05:00:00Z', NY), ['2026-03-08T07:00', '2026-03-08T08:00', '2026-03-08T10:00']);
});

test('cron DST forward: wildcard jobs are not caught up, they run once at the first new minute if it matches (NY)', () => {
  // */30: 01:30 EST (06:30Z), then 03:00 EDT (07:00Z); 02:00 and 02:30 are gone.
  assert.deepEqual(runs('*/30 * * * *', 4, '2026-03-08T06:00:00Z', NY), ['2026-03-08T06:30', '2026-03-08T07:00', '2026-03-08T07:30', '2026-03-08T08:00']);
  // 30 * * * * is wildcard (hour "*"): 02:30 is lost and nothing runs at 03:00.
  assert.deepEqual(runs('30 * * * *', 3, '2026-03-08T06:00:00Z', NY), ['2026-03-08T06:30', '2026-03-08T07:30', '2026-03-08T08:30']);
  assert.deepEqual(runs('@hourly', 2, '2026-03-08T06:00:00Z', NY), ['2026-03-08T07:00', '2026-03-08T08:00']);
});

test('cron DST forward: Europe/Berlin 2026-03-29 (02:00 CET -> 03:00 CEST at 01:00Z)', () => {
  assert.deepEqual(runs('30 2 * * *', 3, '2026-03-28T12:00:00Z', BERLIN), ['2026-03-29T01:00', '2026-03-30T00:30', '2026-03-31T00:30']);
  assert.deepEqual(runs('*/30 * * * *', 3, '2026-03-29T00:10:00Z', BERLIN), ['2026-03-29T00:30', '2026-03-29T01:00', '2026-03-29T01:30']);
});

test('cron DST forward: a half-hour jump is "medium" too (Australia/Lord_Howe 2026-10-04, 02:00 -> 02:30)', () => {
  // 02:15 is skipped: the fixed-time job runs at 02:30 LHDT = 15:30Z.
  assert.deepEqual(runs('15 2 * * *', 2, '2026-10-02T12:00:00Z', 'Australia/Lord_Howe'), ['2026-10-02T15:45', '2026-10-03T15:30']);
});

test('cron DST forward: a jump of more than 3 hours loses the skipped minutes for every job (Pacific/Apia skipped 2011-12-30)', () => {
  assert.deepEqual(runs('0 12 * * *', 3, '2011-12-28T12:00:00Z', 'Pacific/Apia'), ['2011-12-28T22:00', '2011-12-29T22:00', '2011-12-30T22:00']);
});

// America/New_York, Sunday 2026-11-01: at 06:00Z the clock goes from 01:59 EDT back to 01:00 EST.
// cronie sees the wall clock move backwards ("negative"): until it passes 01:59 again it runs
// only wildcard jobs, for the minute shown, and keeps its virtual time at 01:59.

test('cron DST backward: fixed-time jobs do not run again in the repeated hour (NY 2026-11-01)', () => {
  assert.deepEqual(runs('30 1 * * *', 2, '2026-10-31T12:00:00Z', NY), ['2026-11-01T05:30', '2026-11-02T06:30']);
  assert.deepEqual(runs('0,30 1 * * *', 3, '2026-10-31T12:00:00Z', NY), ['2026-11-01T05:00', '2026-11-01T05:30', '2026-11-02T06:00']);
  // asked from inside the repeated hour (01:10 EST), the next run is tomorrow's
  assert.deepEqual(runs('30 1 * * *', 1, '2026-11-01T06:10:00Z', NY), ['2026-11-02T06:30']);
});

test('cron DST backward: wildcard jobs run in the repeated hour too (NY 2026-11-01)', () => {
  assert.deepEqual(runs('*/30 * * * *', 6, '2026-11-01T04:10:00Z', NY), [
    '2026-11-01T04:30', '2026-11-01T05:00', '2026-11-01T05:30', '2026-11-01T06:00', '2026-11-01T06:30', '2026-11-01T07:00',
  ]);
  // minute field starting with "*" is enough: */20 1 * * * runs 01:00, 01:20, 01:40 twice
  assert.deepEqual(runs('*/20 1 * * *', 6, '2026-11-01T04:10:00Z', NY), [
    '2026-11-01T05:00', '2026-11-01T05:20', '2026-11-01T05:40', '2026-11-01T06:00', '2026-11-01T06:20', '2026-11-01T06:40',
  ]);
  // from 01:59:30 EDT, the next is 01:00 EST, not 02:00
  assert.deepEqual(runs('*/30 * * * *', 2, '2026-11-01T05:59:30Z', NY), ['2026-11-01T06:00', '2026-11-01T06:30']);
});

test('cron DST backward: Europe/Berlin 2026-10-25 (03:00 CEST -> 02:00 CET at 01:00Z)', () => {
  assert.deepEqual(runs('30 2 * * *', 2, '2026-10-24T12:00:00Z', BERLIN), ['2026-10-25T00:30', '2026-10-26T01:30']);
  assert.deepEqual(runs('*/30 * * * *', 4, '2026-10-25T00:10:00Z', BERLIN), ['2026-10-25T00:30', '2026-10-25T01:00', '2026-10-25T01:30', '2026-10-25T02:00']);
});

test('cron: $TZ is the default zone', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Tokyo';
    assert.deepEqual(nextRuns('0 9 * * *', 1, new Date('2026-11-22T00:00:00Z')).map((d) => d.toISOString()), ['2026-11-23T00:00:00.000Z']);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
