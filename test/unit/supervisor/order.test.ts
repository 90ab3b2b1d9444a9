import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrder } from '../../../src/core/supervisor/order.js';

const p = (name: string, priority = 999, after: string[] = []) => ({ name, priority, after });
const names = (ps: ReturnType<typeof p>[]) => startOrder(ps).map((x) => x.name);

test('lower priority first, file order among equals', () => {
  assert.deepEqual(names([p('a'), p('b', 10), p('c'), p('d', 10)]), ['b', 'd', 'a', 'c']);
});

test('after: comes first whatever its priority', () => {
  assert.deepEqual(names([p('web', 1, ['db']), p('db', 500), p('cache', 100)]), ['cache', 'db', 'web']);
  assert.deepEqual(names([p('c', 999, ['b']), p('b', 999, ['a']), p('a', 999)]), ['a', 'b', 'c']);
});

test('unknown names in after are ignored; a cycle still yields every program once', () => {
  assert.deepEqual(names([p('a', 999, ['zz'])]), ['a']);
  assert.deepEqual(names([p('a', 2, ['b']), p('b', 1, ['a']), p('c')]).sort(), ['a', 'b', 'c']);
});

test('10,000 programs are ordered in well under a second (O(n log n))', () => {
  const ps = Array.from({ length: 10_000 }, (_, i) => p(`p${i}`, i % 7, i > 0 ? [`p${i - 1}`] : []));
  const t0 = process.hrtime.bigint();
  const out = startOrder(ps);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(out.length, 10_000);
  assert.equal(out[9_999].name, 'p9999');
  process.stdout.write(`# startOrder of 10,000 chained programs: ${ms.toFixed(1)} ms\n`);
});
