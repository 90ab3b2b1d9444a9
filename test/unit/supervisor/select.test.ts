import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, NoMatch, selectJobs } from '../../../src/core/supervisor/select.js';

const job = (number: number, name: string, group: string | null = null, program: string | null = name) => ({ number, program, spec: { name, group } });
const JOBS = [
  job(1, 'web', 'front'), job(2, 'web', 'front'), job(3, 'api', 'front'), job(4, 'worker-a', 'back'), job(5, 'worker-b', 'back'),
  job(6, 'cron', null), job(7, 'sleep', null, null),
];
const nums = (patterns: string[]) => selectJobs(JOBS, patterns).map((j) => j.number);

test('several names, each job once, in the order named', () => {
  assert.deepEqual(nums(['api', 'web']), [3, 1, 2]);
  assert.deepEqual(nums(['web', 'web', '%1']), [1, 2]);
});

test('globs over names', () => {
  assert.deepEqual(nums(['worker-*']), [4, 5]);
  assert.deepEqual(nums(['w?b']), [1, 2]);
  assert.deepEqual(nums(['worker-[!a]']), [5]);
});

test('GROUP:* and GROUP:NAME select a program group', () => {
  assert.deepEqual(nums(['front:*']), [1, 2, 3]);
  assert.deepEqual(nums(['back:']), [4, 5]);
  assert.deepEqual(nums(['front:api']), [3]);
  assert.deepEqual(nums(['*:worker-b']), [5]);
});

test('job numbers, ad-hoc job names and all', () => {
  assert.deepEqual(nums(['%7', '6']), [7, 6]);
  assert.deepEqual(nums(['sleep']), [7]);
  assert.deepEqual(nums(['all']), [1, 2, 3, 4, 5, 6]);
});

test('a pattern that matches nothing is named', () => {
  assert.throws(() => nums(['web', 'nosuch*']), (e: unknown) => e instanceof NoMatch && e.pattern === 'nosuch*' && e.message === 'no program or job named "nosuch*"');
  assert.throws(() => nums(['nogroup:*']), NoMatch);
});

test('glob characters other than * ? [ ] are literal', () => {
  assert.equal(globToRegExp('a.b+c').test('a.b+c'), true);
  assert.equal(globToRegExp('a.b').test('axb'), false);
});
