// What parseCron accepts and refuses, checked against cronie's rules (entry.c) and, where they
// agree, Debian's `crontab -n` (see test/oracle/cron.test.ts for the live comparison).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronParseError, parseCron } from '../../../src/schedule/cron.js';

function refusal(expr: string): { message: string; column: number } {
  try {
    parseCron(expr);
  } catch (e) {
    assert.ok(e instanceof CronParseError, `${expr}: ${String(e)}`);
    return { message: e.message, column: e.column };
  }
  return assert.fail(`${expr} was accepted`);
}

test('cron rule: lists, ranges and steps after "*" or a range (*/15, 10-50/20, 1-5/2,7)', () => {
  assert.deepEqual(parseCron('*/15 * * * *').minutes, [0, 15, 30, 45]);
  assert.deepEqual(parseCron('10-50/20 * * * *').minutes, [10, 30, 50]);
  assert.deepEqual(parseCron('1-5/2,7 * * * *').minutes, [1, 3, 5, 7]);
  assert.deepEqual(parseCron('0-4,8-12 * * * *').minutes, [0, 1, 2, 3, 4, 8, 9, 10, 11, 12]);
  assert.deepEqual(parseCron('05 0-23/6 * * *').hours, [0, 6, 12, 18]);
  assert.deepEqual(parseCron('*/60 * * * *').minutes, [0]);
});

test('cron rule: 3-letter month and weekday names in any case, in lists and ranges', () => {
  assert.deepEqual(parseCron('0 0 * JAN,Mar,dec *').months, [1, 3, 12]);
  assert.deepEqual(parseCron('0 0 * jan-mar *').months, [1, 2, 3]);
  assert.deepEqual(parseCron('0 0 * * mon-FRI').weekdays, [1, 2, 3, 4, 5]);
  assert.deepEqual(parseCron('0 0 * * MoN').weekdays, [1]);
  assert.deepEqual(parseCron('0 0 * jan-dec/3 *').months, [1, 4, 7, 10]);
});

test('cron rule: 0 and 7 are both Sunday', () => {
  assert.deepEqual(parseCron('0 0 * * 7').weekdays, [0]);
  assert.deepEqual(parseCron('0 0 * * 5-7').weekdays, [0, 5, 6]);
  assert.deepEqual(parseCron('0 0 * * 0,7').weekdays, [0]);
  assert.deepEqual(parseCron('0 0 * * */2').weekdays, [0, 2, 4, 6]);
});

test('cron rule: a field that starts with "*" is a star field (cronie MIN_STAR, HR_STAR, DOM_STAR, DOW_STAR)', () => {
  const e = parseCron('*/5 1-3 */2 * 1');
  assert.deepEqual([e.minuteStar, e.hourStar, e.domStar, e.dowStar], [true, false, true, false]);
});

test('cron rule: macros, lowercase only, with cronie\'s star flags', () => {
  const daily = parseCron('@daily');
  assert.deepEqual([daily.minutes, daily.hours, daily.days.length, daily.weekdays.length], [[0], [0], 31, 7]);
  assert.deepEqual(parseCron('@midnight').hours, [0]);
  assert.deepEqual([parseCron('@yearly').days, parseCron('@yearly').months], [[1], [1]]);
  assert.deepEqual(parseCron('@annually').months, [1]);
  assert.deepEqual(parseCron('@monthly').days, [1]);
  assert.deepEqual(parseCron('@weekly').weekdays, [0]);
  assert.equal(parseCron('@hourly').hourStar, true);
  assert.equal(parseCron('@daily').hourStar, false);
  assert.equal(parseCron('@reboot').reboot, true);
  assert.equal(parseCron('@weekly').source, '@weekly');
});

test('cron rule: cronie refuses a step after a single value ("5/10")', () => {
  assert.deepEqual(refusal('5/10 * * * *'), {
    message: 'minute "5/10": a step needs a range or "*" before the "/"; write "5-59/10" or "*/10"',
    column: 2,
  });
  assert.match(refusal('0 0 * * 1/2').message, /^day-of-week "1\/2": a step needs a range/);
  assert.match(refusal('0 0 * * mon/2').message, /a step needs a range/);
});

test('cron rule: cronie refuses a step of 0', () => {
  assert.deepEqual(refusal('*/0 * * * *'), { message: 'minute "*/0": a step of 0 never advances; use 1 or more', column: 3 });
  assert.match(refusal('0-59/0 * * * *').message, /a step of 0/);
});

test('cron rule: macros are lowercase only ("@Daily" is refused)', () => {
  assert.deepEqual(refusal('@Daily'), { message: 'unknown macro "@Daily": did you mean "@daily"? macros are lowercase', column: 1 });
  assert.match(refusal('@DAILY').message, /did you mean "@daily"/);
  assert.match(refusal('@every').message, /^unknown macro "@every": expected one of @reboot, @yearly, /);
  assert.match(refusal('@daily extra').message, /unexpected "extra" after @daily/);
});

test('cron rule: full day and month names are refused ("Monday")', () => {
  assert.deepEqual(refusal('0 0 * * Monday'), { message: 'day-of-week "Monday": use the three-letter name "mon"', column: 9 });
  assert.match(refusal('0 0 * January *').message, /use the three-letter name "jan"/);
  assert.match(refusal('0 0 * * mo').message, /expected 0-7 or one of sun, mon/);
  assert.match(refusal('jan * * * *').message, /names are only for the month and day-of-week fields/);
});

test('cron rule: values out of range are refused', () => {
  assert.deepEqual(refusal('60 * * * *'), { message: 'minute 60 is out of range: minutes go from 0 to 59', column: 1 });
  assert.deepEqual(refusal('0 24 * * *').column, 3);
  assert.match(refusal('0 0 0 * *').message, /day-of-month 0 is out of range: days of the month go from 1 to 31/);
  assert.match(refusal('0 0 32 * *').message, /day-of-month 32/);
  assert.match(refusal('0 0 * 0 *').message, /month 0 is out of range/);
  assert.match(refusal('0 0 * 13 *').message, /month 13 is out of range/);
  assert.match(refusal('0 0 * * 8').message, /day-of-week 8 is out of range: days of the week go from 0 to 7 \(0 and 7 are Sunday\)/);
});

test('cron rule: the wrong number of fields is refused, with what cron expects', () => {
  assert.deepEqual(refusal('* * * *'), { message: 'expected 5 fields (minute hour day-of-month month day-of-week), got 4 in "* * * *"', column: 8 });
  assert.deepEqual(refusal('0 * * * * *'), {
    message: 'expected 5 fields (minute hour day-of-month month day-of-week), got 6 in "0 * * * * *": cron has no seconds or year field',
    column: 11,
  });
});

test('cron rule: malformed lists, ranges and steps are refused with the column of the fault', () => {
  assert.deepEqual(refusal('1,,3 * * * *'), { message: 'minute "1,,3": empty list item; remove the extra ","', column: 3 });
  assert.match(refusal('1, * * * *').message, /empty list item/);
  assert.match(refusal('- * * * *').message, /minute: a missing number is not a number 0-59/);
  assert.match(refusal('0x5 * * * *').message, /minute: "0x5" is not a number 0-59/);
  assert.deepEqual(refusal('*/2/3 * * * *'), { message: 'minute "*/2/3": unexpected "/"; one step is allowed, as in */5', column: 4 });
  assert.deepEqual(refusal('1-2-3 * * * *').column, 4);
  assert.match(refusal('*-5 * * * *').message, /"\*" is already the whole range/);
  assert.match(refusal('*/mon * * * *').message, /expected a number after "\/"/);
});

test('cron rule: a range that goes backwards is refused (cronie: num1 > num2)', () => {
  assert.deepEqual(refusal('5-1 * * * *'), { message: 'minute "5-1": the range goes backwards (5 to 1); write the lower end first', column: 1 });
  assert.match(refusal('0 0 * * fri-mon').message, /goes backwards \(5 to 1\); write the lower end first \(7 is also Sunday\)/);
});
