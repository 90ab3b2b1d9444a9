// Should the scheduler build on croner? Each test checks one cronie rule on croner 11 (5-part
// mode, its defaults unless named). A rule croner breaks is asserted as broken, so that a croner
// release that fixes it fails here and the choice can be revisited. Findings: croner breaks the
// "*"-prefixed day rule (0 0 */2 * 1), accepts @Daily, and misclassifies fixed-time jobs across
// a DST jump (lists by default; steps without "*" even with fixedTimeRule "no-wildcard"), so
// appinit uses its own matcher (cron-runs.ts) and keeps croner as the bench reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cron, type CronOptions } from 'croner';
import { nextRuns } from '../../../src/schedule/cron.js';

const NY = 'America/New_York';

function croner(expr: string, n: number, from: string, tz: string, opts: CronOptions = {}): string[] {
  const job = new Cron(expr, { timezone: tz, paused: true, mode: '5-part', ...opts });
  return job.nextRuns(n, new Date(from)).map((d) => d.toISOString().slice(0, 16));
}
const ours = (expr: string, n: number, from: string, tz: string) => nextRuns(expr, n, new Date(from), tz).map((d) => d.toISOString().slice(0, 16));
const accepts = (expr: string) => {
  try {
    new Cron(expr, { paused: true, mode: '5-part' });
    return true;
  } catch {
    return false;
  }
};

function agrees(expr: string, n: number, from: string, tz: string, opts?: CronOptions): boolean {
  return JSON.stringify(croner(expr, n, from, tz, opts)) === JSON.stringify(ours(expr, n, from, tz));
}

test('croner keeps: day rule OR when both day fields are restricted (30 4 1,15 * 5)', () => {
  assert.equal(agrees('30 4 1,15 * 5', 6, '2026-11-22T10:00:00Z', 'UTC'), true);
});

test('croner BREAKS: day rule AND when a day field starts with "*" (0 0 */2 * 1 gives every odd day)', () => {
  assert.equal(agrees('0 0 */2 * 1', 4, '2026-11-22T10:00:00Z', 'UTC'), false);
  assert.deepEqual(croner('0 0 */2 * 1', 3, '2026-11-22T10:00:00Z', 'UTC'), ['2026-11-23T00:00', '2026-11-25T00:00', '2026-11-27T00:00']);
  assert.equal(agrees('0 0 1 * */2', 3, '2026-11-22T10:00:00Z', 'UTC'), false);
});

test('croner keeps: 0 and 7 are Sunday; names in any case', () => {
  assert.equal(agrees('0 0 * * 7', 2, '2026-11-22T10:00:00Z', 'UTC'), true);
  assert.equal(agrees('0 0 * JAN mon', 2, '2026-11-22T10:00:00Z', 'UTC'), true);
});

test('croner keeps: refuses 5/10, a step of 0, Monday, out-of-range values, 5-1', () => {
  for (const e of ['5/10 * * * *', '*/0 * * * *', '0 0 * * Monday', '60 * * * *', '0 0 * * 8', '5-1 * * * *']) assert.equal(accepts(e), false, e);
});

test('croner BREAKS: accepts @Daily, which cronie refuses (macros are lowercase)', () => {
  assert.equal(accepts('@Daily'), true);
});

test('croner keeps: DST forward, a single fixed time runs right after the jump (30 2 * * *, NY)', () => {
  assert.equal(agrees('30 2 * * *', 3, '2026-03-07T12:00:00Z', NY), true);
});

test('croner BREAKS: DST forward, a list of fixed times is fixed-time in cronie (0,30 2 * * *), by default', () => {
  assert.equal(agrees('0,30 2 * * *', 2, '2026-03-07T12:00:00Z', NY), false);
  assert.equal(agrees('0,30 2 * * *', 2, '2026-03-07T12:00:00Z', NY, { fixedTimeRule: 'no-wildcard' }), true);
});

test('croner BREAKS: DST forward, a step without "*" is fixed-time in cronie (0 0-23/2), even with fixedTimeRule no-wildcard', () => {
  assert.equal(agrees('0 0-23/2 * * *', 3, '2026-03-08T05:00:00Z', NY, { fixedTimeRule: 'no-wildcard' }), false);
});

test('croner keeps: DST forward, wildcard jobs are not caught up (*/30, 30 * * * *, NY)', () => {
  assert.equal(agrees('*/30 * * * *', 4, '2026-03-08T06:00:00Z', NY), true);
  assert.equal(agrees('30 * * * *', 3, '2026-03-08T06:00:00Z', NY), true);
});

test('croner keeps: DST backward, fixed-time once, wildcard twice (NY 2026-11-01)', () => {
  assert.equal(agrees('30 1 * * *', 2, '2026-10-31T12:00:00Z', NY), true);
  assert.equal(agrees('*/30 * * * *', 6, '2026-11-01T04:10:00Z', NY), true);
  assert.equal(agrees('*/20 1 * * *', 6, '2026-11-01T04:10:00Z', NY), true);
});

test('croner keeps: half-hour jump (Lord Howe) and a lost day (Apia 2011)', () => {
  assert.equal(agrees('15 2 * * *', 2, '2026-10-02T12:00:00Z', 'Australia/Lord_Howe'), true);
  assert.equal(agrees('0 12 * * *', 3, '2011-12-28T12:00:00Z', 'Pacific/Apia'), true);
});
