// Start and stop order: priority (lower first, as supervisord) on top of after:.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBatches, stopBatches } from '../../../src/core/groups/order.js';

const job = (name: string, priority = 999, after: string[] = []) => ({ spec: { name, priority, after } });
const names = (batches: { spec: { name: string } }[][]) => batches.map((b) => b.map((j) => j.spec.name).join(','));

test('lower priority first; equal priorities start together', () => {
  assert.deepEqual(names(startBatches([job('web', 20), job('db', 10), job('cache', 10), job('worker')])), ['cache,db', 'web', 'worker']);
});

test('within a batch, names in code-point order (as supervisord), not the locale\'s', () => {
  assert.deepEqual(names(startBatches([job('b'), job('a'), job('B'), job('_x'), job('a-1')])), ['B,_x,a,a-1,b']);
});

test('one batch when nothing says otherwise (as before: everything at once)', () => {
  assert.deepEqual(names(startBatches([job('a'), job('b'), job('c')])), ['a,b,c']);
});

test('after: waits for the programs it names, whatever their priority', () => {
  assert.deepEqual(names(startBatches([job('api', 1, ['db']), job('db', 50), job('ui', 100)])), ['db', 'api', 'ui']);
  // A program named in after that is not being started (already running, or not selected) does not hold anything back.
  assert.deepEqual(names(startBatches([job('api', 1, ['db'])])), ['api']);
  // Instances of one program start together even with after on themselves.
  assert.deepEqual(names(startBatches([job('w', 5, ['w']), job('w', 5, ['w'])])), ['w,w']);
});

test('a cycle does not hang: the rest start by priority', () => {
  assert.deepEqual(names(startBatches([job('a', 1, ['b']), job('b', 2, ['a'])])), ['a', 'b']);
});

test('stop order is the start order reversed', () => {
  assert.deepEqual(names(stopBatches([job('web', 20), job('db', 10), job('api', 1, ['db'])])), ['web', 'api', 'db']);
});

test('specs stored before these fields existed order as the defaults', () => {
  const old = { spec: { name: 'old' } } as unknown as ReturnType<typeof job>;
  assert.deepEqual(names(startBatches([old, job('first', 1)])), ['first', 'old']);
});
