// Rows (keys once) and back: api/views.ts asRows and client/rows.ts fromRows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asColumns, asRows } from '../../../src/api/views.js';
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

test('columns of one value in every row are sent once and come back in their place', () => {
  const views = [
    { name: 'a', pid: 1, user: 'root', reason: null, lastExit: null, health: { status: 'healthy' }, up: true },
    { name: 'b', pid: 2, user: 'root', reason: null, lastExit: null, health: { status: 'healthy' }, up: true },
    { name: 'c', pid: 3, user: 'root', reason: null, lastExit: null, health: { status: 'healthy' }, up: true },
  ];
  const cols = asColumns(views)!;
  assert.deepEqual(cols.keys, ['name', 'pid', 'user', 'reason', 'lastExit', 'health', 'up']);
  assert.deepEqual(cols.same, [[2, 'root'], [3, null], [4, null], [6, true]], 'objects are never factored out, nulls are');
  assert.equal(cols.count, 3);
  assert.deepEqual(cols.columns, [['a', 'b', 'c'], [1, 2, 3], [{ status: 'healthy' }, { status: 'healthy' }, { status: 'healthy' }]], 'the other columns, each as one array');
  const back = fromRows<Record<string, unknown>>(JSON.parse(JSON.stringify(cols)));
  assert.deepEqual(back, views);
  assert.deepEqual(Object.keys(back[0]), Object.keys(views[0]), 'the keys in their order');
  // One view: nothing is "the same" (a single row says nothing of the others).
  assert.deepEqual(asColumns([views[0]])?.same, []);
  assert.deepEqual(fromRows(JSON.parse(JSON.stringify(asColumns([views[0]])))), [views[0]]);
  assert.equal(asColumns([{ a: 1 }, { b: 1 }]), null);
  // Odd keys take the loop, with fixed columns too; a value that looks like code stays a value.
  const odd = [{ 'a-b': 'x);process.exit(1);(', __proto__x: 1, k: 1 }, { 'a-b': 'x);process.exit(1);(', __proto__x: 2, k: 1 }];
  assert.deepEqual(fromRows(JSON.parse(JSON.stringify(asColumns(odd)))), odd);
  // An own property named __proto__ (JSON.parse makes one) is read as a property, not the prototype.
  const protoKeyed = JSON.parse('[{"__proto__": 1, "a": 2}, {"__proto__": 3, "a": 2}]') as object[];
  assert.deepEqual(asColumns(protoKeyed)?.columns, [[1, 3]]);
  assert.throws(() => fromRows({ keys: ['a'], same: [[3, 1]], rows: [] }), /names column 3 of 1/);
  assert.throws(() => fromRows({ keys: ['a'], count: 0, same: [[3, 1]], columns: [] }), /names column 3 of 1/);
  // Columns that do not fit the keys and the count are refused whole, not read past their end.
  for (const bad of [
    { keys: ['a', 'b'], count: 2, same: [], columns: [[1, 2]] },
    { keys: ['a', 'b'], count: 2, same: [], columns: [[1, 2], [3]] },
    { keys: ['a', 'b'], count: 2, same: [[1, 0], [1, 0]], columns: [] },
    { keys: ['a'], count: -1, same: [], columns: [[]] },
    { keys: ['a'], same: [], columns: [[1]] },
  ]) assert.throws(() => fromRows(bad), /do not fit/, JSON.stringify(bad));
  // Every column the same (two views): the count alone says how many.
  const twins = [{ a: 1, b: 'x' }, { a: 1, b: 'x' }];
  assert.deepEqual(asColumns(twins), { keys: ['a', 'b'], count: 2, same: [[0, 1], [1, 'x']], columns: [] });
  assert.deepEqual(fromRows(JSON.parse(JSON.stringify(asColumns(twins)))), twins);
  assert.deepEqual(fromRows(JSON.parse(JSON.stringify(asColumns([])))), []);
});

test('the client asks for columns, and a daemon that knows only rows gets asked for rows from then on', async () => {
  const { connect } = await import('../../../src/client/index.js');
  const views = [{ name: 'a', pid: 1, user: 'root' }, { name: 'b', pid: 2, user: 'root' }];
  const asked: string[] = [];
  // The route as a daemon before `form=columns` has it (api/routes.ts of 0.1): rows or 400.
  const older = async (method: string, path: string) => {
    asked.push(path);
    const form = new URL(path, 'http://d').searchParams.get('form');
    if (form != null && form !== 'rows') return { status: 400, body: { error: { code: 'usage', message: 'form: expected rows (or nothing: one object per job)' } } };
    return { status: 200, body: form === 'rows' ? asRows(views) : views };
  };
  const c = await connect({ transport: older, home: '/nonexistent' });
  assert.deepEqual(await c.status(), views);
  assert.deepEqual(await c.status('a'), views);
  assert.deepEqual(asked, ['/v1/status?form=columns', '/v1/status?form=rows', '/v1/status?form=rows&name=a'], 'columns once, then rows only');
  const current = async (_m: string, path: string) => ({ status: 200, body: new URL(path, 'http://d').searchParams.get('form') === 'columns' ? asColumns(views) : null });
  assert.deepEqual(await (await connect({ transport: current, home: '/nonexistent' })).status(), views);
});
