import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignal, signalName, SIGNALS } from '../../../src/config/signals.js';

test('names with and without SIG, and numbers', () => {
  assert.deepEqual(parseSignal('TERM'), { name: 'SIGTERM', number: 15 });
  assert.deepEqual(parseSignal('SIGTERM'), { name: 'SIGTERM', number: 15 });
  assert.deepEqual(parseSignal(9), { name: 'SIGKILL', number: 9 });
  assert.deepEqual(parseSignal('9'), { name: 'SIGKILL', number: 9 });
  assert.deepEqual(parseSignal('HUP'), { name: 'SIGHUP', number: 1 });
  assert.deepEqual(parseSignal('SYS'), { name: 'SIGSYS', number: 31 });
});

test('the Linux x86_64 table', () => {
  const expected: Record<number, string> = { 1: 'HUP', 2: 'INT', 3: 'QUIT', 9: 'KILL', 10: 'USR1', 12: 'USR2', 13: 'PIPE',
    14: 'ALRM', 15: 'TERM', 17: 'CHLD', 18: 'CONT', 19: 'STOP', 20: 'TSTP', 28: 'WINCH', 29: 'IO', 30: 'PWR', 31: 'SYS' };
  for (const [n, name] of Object.entries(expected)) assert.equal(signalName(Number(n)), name);
  assert.equal(SIGNALS.length, 31 + 31);
});

test('aliases map to the canonical name; real-time signals as kill -l names them', () => {
  assert.deepEqual(parseSignal('IOT'), { name: 'SIGABRT', number: 6 });
  assert.deepEqual(parseSignal('SIGCLD'), { name: 'SIGCHLD', number: 17 });
  assert.deepEqual(parseSignal('RTMIN'), { name: 'SIGRTMIN', number: 34 });
  assert.deepEqual(parseSignal('SIGRTMIN+2'), { name: 'SIGRTMIN+2', number: 36 });
  assert.deepEqual(parseSignal('RTMAX-1'), { name: 'SIGRTMAX-1', number: 63 });
  assert.deepEqual(parseSignal(64), { name: 'SIGRTMAX', number: 64 });
  assert.equal(signalName(50), 'RTMAX-14');
});

test('lower case is rejected with a suggestion in the spelling used', () => {
  assert.throws(() => parseSignal('sigterm'), { message: 'Unknown signal "sigterm": did you mean "SIGTERM"?' });
  assert.throws(() => parseSignal('term'), { message: 'Unknown signal "term": did you mean "TERM"?' });
  assert.throws(() => parseSignal('Kill'), { message: 'Unknown signal "Kill": did you mean "KILL"?' });
  assert.throws(() => parseSignal('TREM'), { message: 'Unknown signal "TREM": did you mean "TERM"?' });
});

test('unknown names and numbers', () => {
  const hint = 'expected a name like "TERM" or "SIGTERM", or a number 1-31 or 34-64';
  assert.throws(() => parseSignal('FOO'), { message: `Unknown signal "FOO": ${hint}` });
  assert.throws(() => parseSignal(0), { message: `Unknown signal 0: ${hint}` });
  assert.throws(() => parseSignal(32), { message: `Unknown signal 32: ${hint}` });
  assert.throws(() => parseSignal('65'), { message: `Unknown signal 65: ${hint}` });
  assert.throws(() => parseSignal('RTMIN+31'), /Unknown signal/);
});

test('signalName for display', () => {
  assert.equal(`signal 9 (${signalName(9)})`, 'signal 9 (KILL)');
  assert.equal(signalName(99), '99');
});
