// Text helpers shared by the reports: terminal names, ps time formats, C-like rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_MS } from './fixtures.js';
import {
  argsText, cpuTimeText, elapsedText, fixed, longStartText, startTimeText, ttyName,
} from '../../../src/cli/report/text.js';
import { proc } from './fixtures.js';

test('tty names from tty_nr', () => {
  assert.equal(ttyName(0), '?');
  assert.equal(ttyName((136 << 8) | 3), 'pts/3');
  assert.equal(ttyName((137 << 8) | 2), 'pts/258');
  assert.equal(ttyName((4 << 8) | 1), 'tty1');
  assert.equal(ttyName((4 << 8) | 64), 'ttyS0');
  assert.equal(ttyName((5 << 8) | 1), 'console');
  // minor bits above 255 live in bits 20..31 of tty_nr
  assert.equal(ttyName((136 << 8) | (1 << 20) | 4), 'pts/260');
});

test('ps TIME and ELAPSED formats', () => {
  assert.equal(cpuTimeText(0), '00:00:00');
  assert.equal(cpuTimeText(3661.9), '01:01:01');
  assert.equal(cpuTimeText(90061), '1-01:01:01');
  assert.equal(elapsedText(5), '00:05');
  assert.equal(elapsedText(3600), '01:00:00');
  assert.equal(elapsedText(86400 * 12 + 61), '12-00:01:01');
});

test('STIME: time today, MonDD this year, year before; LSTART like ctime', () => {
  const now = NOW_MS / 1000;
  assert.equal(startTimeText(now - 60, NOW_MS), '11:59');
  assert.equal(startTimeText(now - 86400 * 40, NOW_MS), 'Oct12');
  assert.equal(startTimeText(Date.UTC(2024, 0, 2) / 1000, NOW_MS), '2024');
  assert.equal(longStartText(Date.UTC(2025, 10, 2, 3, 4, 5) / 1000), 'Sun Nov  2 03:04:05 2025');
});

test('args: argv joined, or [comm] for kernel threads, plus <defunct> for zombies', () => {
  assert.equal(argsText(proc({ pid: 1, cmdline: ['a', '', 'b'] })), 'a  b');
  assert.equal(argsText(proc({ pid: 2, comm: 'kthreadd' })), '[kthreadd]');
  assert.equal(argsText(proc({ pid: 3, comm: 'sh', state: 'Z' })), '[sh] <defunct>');
});

test('fixed rounds like printf, exact binary ties to even', () => {
  assert.equal(fixed(0.125, 2), '0.12');
  assert.equal(fixed(0.375, 2), '0.38');
  assert.equal(fixed(2.5, 0), '2');
  assert.equal(fixed(0.26, 1), '0.3');
  assert.equal(fixed(0.05, 1), '0.1'); // 0.05 is a hair above the tie in binary
  assert.equal(fixed(0.25, 1), '0.2');
  assert.equal(fixed(1234.5, 0), '1234');
  assert.equal(fixed(1464.84375, 1), '1464.8');
});
