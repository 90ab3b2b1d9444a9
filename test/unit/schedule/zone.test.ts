// Zone arithmetic against glibc: the expected instants were measured with a C program calling
// mktime()/localtime() under TZ=America/New_York and TZ=Europe/Berlin (glibc 2.36, Debian 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDstAt, localInstants, mktimeSeconds, offsetAt, resolveZone, utcToZoned, zonedToUtc } from '../../../src/schedule/zone.js';
import { formatAtTime, isoWithOffset } from '../../../src/schedule/format.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const wall = (year: number, month: number, day: number, hour: number, minute: number) => ({ year, month, day, hour, minute, second: 0 });
const iso = (sec: number) => new Date(sec * 1000).toISOString();

test('offsetAt: New York is -5 h in winter and -4 h from 2026-03-08 07:00Z to 2026-11-01 06:00Z', () => {
  assert.equal(offsetAt(Date.UTC(2026, 2, 8, 6, 59, 59) / 1000, NY), -18000);
  assert.equal(offsetAt(Date.UTC(2026, 2, 8, 7) / 1000, NY), -14400);
  assert.equal(offsetAt(Date.UTC(2026, 10, 1, 5, 59, 59) / 1000, NY), -14400);
  assert.equal(offsetAt(Date.UTC(2026, 10, 1, 6) / 1000, NY), -18000);
  assert.equal(isDstAt(Date.UTC(2026, 6, 1) / 1000, NY), true);
  assert.equal(isDstAt(Date.UTC(2026, 0, 1) / 1000, NY), false);
});

test('offsetAt: southern hemisphere, DST in January (Australia/Sydney)', () => {
  assert.equal(offsetAt(Date.UTC(2026, 0, 15) / 1000, 'Australia/Sydney'), 11 * 3600);
  assert.equal(isDstAt(Date.UTC(2026, 0, 15) / 1000, 'Australia/Sydney'), true);
  assert.equal(isDstAt(Date.UTC(2026, 6, 15) / 1000, 'Australia/Sydney'), false);
});

test('mktime rule: a nonexistent time with tm_isdst=-1 is read with the offset before the gap (02:30 -> 03:30 EDT)', () => {
  assert.equal(iso(mktimeSeconds(wall(2026, 3, 8, 2, 30), NY)), '2026-03-08T07:30:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 3, 29, 2, 30), BERLIN)), '2026-03-29T01:30:00.000Z');
});

test('mktime rule: a nonexistent time with tm_isdst=1 is read as daylight time (02:30 -> 01:30 EST)', () => {
  assert.equal(iso(mktimeSeconds(wall(2026, 3, 8, 2, 30), NY, { isDst: 1 })), '2026-03-08T06:30:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 3, 8, 2, 30), NY, { isDst: 0 })), '2026-03-08T07:30:00.000Z');
});

test('mktime rule: an ambiguous time in a fresh process picks the offset nearest UTC (EDT in New York, CET in Berlin)', () => {
  assert.equal(iso(mktimeSeconds(wall(2026, 11, 1, 1, 30), NY)), '2026-11-01T05:30:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 10, 25, 2, 30), BERLIN)), '2026-10-25T01:30:00.000Z');
});

test('mktime rule: an ambiguous time follows the offset of the previous mktime call', () => {
  assert.equal(iso(mktimeSeconds(wall(2026, 11, 1, 1, 30), NY, { hint: -18000 })), '2026-11-01T06:30:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 10, 25, 2, 30), BERLIN, { hint: 7200 })), '2026-10-25T00:30:00.000Z');
});

test('mktime rule: tm_isdst chooses in a fold, and a wrong tm_isdst shifts the time by the DST offset', () => {
  assert.equal(iso(mktimeSeconds(wall(2026, 11, 1, 1, 30), NY, { isDst: 0 })), '2026-11-01T06:30:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 11, 1, 1, 30), NY, { isDst: 1 })), '2026-11-01T05:30:00.000Z');
  // 2026-01-10 10:00 with tm_isdst=1 -> 09:00 EST; 2026-07-10 10:00 with tm_isdst=0 -> 11:00 EDT
  assert.equal(iso(mktimeSeconds(wall(2026, 1, 10, 10, 0), NY, { isDst: 1 })), '2026-01-10T14:00:00.000Z');
  assert.equal(iso(mktimeSeconds(wall(2026, 7, 10, 10, 0), NY, { isDst: 0 })), '2026-07-10T15:00:00.000Z');
});

test('mktime rule: fields out of range carry over (Feb 30 -> Mar 2, 10:60 -> 11:00)', () => {
  assert.equal(zonedToUtc({ year: 2027, month: 2, day: 30, hour: 10, minute: 60, second: 0 }, 'UTC').toISOString(), '2027-03-02T11:00:00.000Z');
});

test('localInstants: none in a gap, two in a fold, with the transition', () => {
  const gap = localInstants(Date.UTC(2026, 2, 8, 2, 30) / 1000, NY);
  assert.deepEqual(gap.instants, []);
  assert.deepEqual(gap.transition, { at: Date.UTC(2026, 2, 8, 7) / 1000, before: -18000, after: -14400 });
  const fold = localInstants(Date.UTC(2026, 10, 1, 1, 30) / 1000, NY);
  assert.deepEqual(fold.instants.map(iso), ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
});

test('utcToZoned: fields, weekday, offset and DST flag', () => {
  assert.deepEqual(utcToZoned(new Date('2026-11-22T10:15:00Z'), BERLIN), {
    year: 2026, month: 11, day: 22, hour: 11, minute: 15, second: 0, weekday: 0, offset: 3600, isDst: false,
  });
});

test('resolveZone: canonical names, TZ from the environment, unknown names refused', () => {
  assert.equal(resolveZone('europe/berlin'), 'Europe/Berlin');
  assert.throws(() => resolveZone('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
  const saved = process.env.TZ;
  try {
    process.env.TZ = ':Asia/Tokyo';
    assert.equal(resolveZone(), 'Asia/Tokyo');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('formatAtTime: atq format, day padded with a space', () => {
  assert.equal(formatAtTime(new Date('2026-11-22T10:15:00Z'), BERLIN), 'Sun Nov 22 11:15:00 2026');
  assert.equal(formatAtTime(new Date('2026-12-02T10:00:00Z'), 'UTC'), 'Wed Dec  2 10:00:00 2026');
});

test('isoWithOffset: local time with its offset', () => {
  assert.equal(isoWithOffset(new Date('2026-11-22T10:15:00Z'), BERLIN), '2026-11-22T11:15:00+01:00');
  assert.equal(isoWithOffset(new Date('2026-07-01T12:00:00Z'), NY), '2026-07-01T08:00:00-04:00');
  assert.equal(isoWithOffset(new Date('2026-07-01T12:00:00Z'), 'Asia/Kolkata'), '2026-07-01T17:30:00+05:30');
  assert.equal(isoWithOffset(new Date('2026-07-01T12:00:00Z'), 'UTC'), '2026-07-01T12:00:00+00:00');
});
