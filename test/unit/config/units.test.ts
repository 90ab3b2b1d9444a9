import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSize, formatUptime, parseDuration, parseSize } from '../../../src/config/units.js';

test('parseDuration: units, decimals, compounds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration: numbers mean seconds', () => {
  assert.equal(parseDuration(10), 10_000);
  assert.equal(parseDuration(0.25), 250);
  assert.equal(parseDuration('3'), 3000);
});

test('parseDuration: systemd\'s spellings of a time span (TimeoutStopSec=1min)', () => {
  assert.equal(parseDuration('1min'), 60_000);
  assert.equal(parseDuration('1h 30min'), 5_400_000);
  assert.equal(parseDuration('10 s'), 10_000);
  assert.equal(parseDuration('10sec'), 10_000);
  assert.equal(parseDuration('2 hours'), 7_200_000);
  assert.equal(parseDuration('1w'), 604_800_000);
  assert.equal(parseDuration('1M'), 2_629_800_000, 'M is a month (30.4375 days), as systemd');
  assert.equal(parseDuration('1m'), 60_000, 'm is a minute');
  assert.equal(parseDuration('1500us'), 2);
});

test('parseDuration: errors say expected, the units, and got', () => {
  const want = 'expected a duration like "10s" or "1h 30min" (units ms, s (sec), m (min), h, d, w, or systemd\'s longer names)';
  assert.throws(() => parseDuration(-5), { message: `${want}, got -5 (number)` });
  assert.throws(() => parseDuration('10 parsecs'), { message: `${want}: "parsecs" is not a unit, got "10 parsecs"` });
  assert.throws(() => parseDuration('ten seconds'), { message: `${want}, got "ten seconds"` });
  assert.throws(() => parseDuration(true), { message: `${want}, got true (boolean)` });
  assert.throws(() => parseDuration(null), { message: `${want}, got nothing` });
  assert.throws(() => parseDuration(Infinity), /expected a duration/);
});

test('parseSize: 1024-based units in several spellings', () => {
  assert.equal(parseSize('100B'), 100);
  assert.equal(parseSize('512KB'), 512 * 1024);
  assert.equal(parseSize('10MB'), 10 * 1024 ** 2);
  assert.equal(parseSize('10M'), 10 * 1024 ** 2);
  assert.equal(parseSize('10MiB'), 10 * 1024 ** 2);
  assert.equal(parseSize('10mb'), 10 * 1024 ** 2);
  assert.equal(parseSize('1GB'), 1024 ** 3);
  assert.equal(parseSize('1.5K'), 1536);
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize(4096), 4096);
});

test('parseSize: errors say expected and got', () => {
  assert.throws(() => parseSize(-1), { message: 'expected a size like "10MB", got -1 (number)' });
  assert.throws(() => parseSize(1.5), { message: 'expected a size like "10MB", got 1.5 (number)' });
  assert.throws(() => parseSize('10XB'), { message: 'expected a size like "10MB", got "10XB"' });
  assert.throws(() => parseSize([]), { message: 'expected a size like "10MB", got a list' });
});

test('formatDuration: two units at most', () => {
  assert.equal(formatDuration(0), '0ms');
  assert.equal(formatDuration(120), '120ms');
  assert.equal(formatDuration(999.6), '1s');
  assert.equal(formatDuration(3249), '3.2s');
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(59_960), '1m');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_720_000), '1h2m');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(2 * 86_400_000 + 3 * 3_600_000), '2d3h');
  assert.equal(formatDuration(-1500), '-1.5s');
});

test('formatDuration output reads back with parseDuration', () => {
  for (const ms of [120, 3200, 90_000, 3_720_000, 183_600_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
});

test('formatSize', () => {
  assert.equal(formatSize(100), '100B');
  assert.equal(formatSize(1024), '1KB');
  assert.equal(formatSize(1536), '1.5KB');
  assert.equal(formatSize(1024 ** 2 - 1), '1MB');
  assert.equal(formatSize(10 * 1024 ** 2), '10MB');
  assert.equal(formatSize(5 * 1024 ** 3), '5GB');
  assert.equal(parseSize(formatSize(10 * 1024 ** 2)), 10 * 1024 ** 2);
});

test('formatUptime: whole seconds, and 0s (not 0ms) in the first one', () => {
  assert.equal(formatUptime(0.257), '0s');
  assert.equal(formatUptime(1.023), '1s');
  assert.equal(formatUptime(95.9), '1m35s');
});
