// Rows (keys once) and back: api/views.ts asRows and client/rows.ts fromRows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asRows } from '../../../src/api/views.js';
import { fromRows } from '../../../src/client/rows.js';

test('objects of one shape survive rows and back, nested values and nulls included', () => {
  const views = [
    { name: 'a', pid: 1, lastExit: null, health: { status: 'healthy', failures: 0 }, waitingFor: ['b'] },
    { name: 'b', pid: null, lastExit: { code: 1, text: 'exit(1)' }, health: null, waitingFor: null },
  ];
  const rows = asRows(views);
  assert.deepEqual(rows?.keys, ['name', 'pid', 'lastExit', 'health', 'waitingFor']);
  assert.deepEqual(fromRows(JSON.parse(JSON.stringify(rows))), views);
  assert.deepEqual(asRows([]), { keys: [], rows: [] });
  assert.deepEqual(fromRows({ keys: [], rows: [] }), []);
});

test('views of different shapes are not made rows; a list passes through; odd keys take the loop', () => {
  assert.equal(asRows([{ a: 1, b: 2 }, { b: 2, a: 1 }]), null);
  assert.equal(asRows([{ a: 1 }, { a: 1, b: 2 }]), null);
  const list = [{ x: 1 }];
  assert.equal(fromRows(list), list);
  assert.deepEqual(fromRows({ keys: ['a-b', 'constructor', 'x'], rows: [[1, 2, 3]] }), [{ 'a-b': 1, constructor: 2, x: 3 }]);
  const [p] = fromRows<Record<string, unknown>>({ keys: ['__proto__', 'y'], rows: [[{ polluted: true }, 1]] });
  assert.equal(Object.getPrototypeOf(p), Object.prototype, 'a key named __proto__ is a property, not the prototype');
  assert.equal(p.polluted, undefined);
  assert.throws(() => fromRows({ nope: 1 }), /neither a list nor rows/);
});
