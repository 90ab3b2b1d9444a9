import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { upgradeProgram, type Program } from '../../../src/config/program.js';
import { describeChange, sameButInstances, sameProgram } from '../../../src/core/supervisor/diff.js';
import { formatUp } from '../../../src/cli/commands/programs.js';

const one = (yaml: string): Program => parseControlText(yaml, 'app.yaml', '/srv')[0];

test('what changed: command, env names (never values), instances, other settings', () => {
  const a = one('programs:\n  w:\n    command: x\n    env: { A: "1", B: "2", C: "3" }\n');
  const b = one('programs:\n  w:\n    command: y\n    env: { A: "1", B: "9", D: "4" }\n    instances: 3\n    restart: never\n');
  assert.deepEqual(describeChange(a, b), ['command', 'env ~B +D -C', 'instances 1 -> 3', 'restart']);
  assert.deepEqual(describeChange(a, a), []);
});

test('a scale is a change of instances alone: where it is written does not count, anything else does', () => {
  const a = one('programs:\n  w:\n    command: x\n    instances: 2\n');
  assert.equal(sameButInstances(a, one('# moved\nprograms:\n  w:\n    instances: 5\n    command: x\n')), true);
  assert.equal(sameProgram(a, one('programs:\n  w:\n    command: x\n    instances: 5\n')), false);
  assert.equal(sameButInstances(a, one('programs:\n  w:\n    command: x\n    instances: 5\n    env: { A: "1" }\n')), false);
  assert.equal(sameButInstances(a, one('programs:\n  w:\n    command: y\n    instances: 2\n')), false);
});

test('formatUp: a scale names the instances it stops or starts, and the ones that run on', () => {
  const base = { file: '/srv/app.yaml', unchanged: [], removed: [] as string[], added: [] as string[], changed: ['w'], changes: { w: ['instances 2 -> 3'] } };
  assert.equal(formatUp({ ...base, scaled: { w: { from: 2, to: 3 } }, started: ['w'], dryRun: false }), '~ w (changed: instances 2 -> 3; 1 instance started; the other 2 run on)');
  assert.equal(formatUp({ ...base, scaled: { w: { from: 2, to: 3 } }, started: [], dryRun: true }), '~ w (changed: instances 2 -> 3; 1 instance not started; the other 2 run on)\n(dry run: nothing changed)');
  assert.equal(formatUp({ ...base, changes: { w: ['instances 2 -> 1'] }, scaled: { w: { from: 2, to: 1 } }, started: [], dryRun: false }), '~ w (changed: instances 2 -> 1; 1 instance stopped; the other runs on)');
});

test('a program stored by an older version reads with the new settings at their defaults and is unchanged', () => {
  const now = one('programs:\n  w:\n    command: x\n    user: www-data:staff\n');
  const stored = JSON.parse(JSON.stringify(now)) as Record<string, unknown>;
  for (const k of ['unixGroup', 'priority', 'after', 'health', 'maxMemory', 'limits', 'rlimits', 'envFile', 'watch']) delete stored[k];
  stored.group = 'staff'; // the Unix group, as the older version called it
  const up = upgradeProgram(stored as unknown as Program);
  assert.equal(up.unixGroup, 'staff');
  assert.equal(up.group, null);
  assert.equal(sameProgram(up, now), true, 'key order does not make it "changed"');
});

test('formatUp: autostart false is not "started"; dry runs and empty files say so', () => {
  const base = { changes: {}, file: '/srv/app.yaml', unchanged: [], removed: [] as string[] };
  assert.equal(formatUp({ ...base, added: ['a', 'b'], changed: [], started: ['a'], dryRun: false }), '+ a (added, started)\n+ b (added, not started)');
  assert.equal(
    formatUp({ ...base, added: [], changed: [], removed: ['a', 'b'], started: [], dryRun: true }),
    '- a (removed, would be stopped)\n- b (removed, would be stopped)\nappinit: /srv/app.yaml has no programs: every program (2) would be removed\n(dry run: nothing changed)',
  );
});

test('sameJson is canonical equality without writing the texts: key order, left-out values, NaN, arrays, toJSON', async () => {
  const { canonical, sameJson } = await import('../../../src/core/supervisor/diff.js');
  const cases: [unknown, unknown][] = [
    [{ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 }],
    [{ a: 1, b: undefined }, { a: 1 }],
    [{ a: 1, f: () => 1 }, { a: 1 }],
    [{ a: NaN }, { a: null }],
    [{ a: Infinity }, { a: -Infinity }],
    [[1, undefined, 3], [1, null, 3]],
    [[1, 2], [1, 2, 3]],
    [{ a: [] }, { a: {} }],
    [{ a: '1' }, { a: 1 }],
    [{ a: 0 }, { a: -0 }],
    [{ a: null }, {}],
    [{ d: new Date(0) }, { d: '1970-01-01T00:00:00.000Z' }],
    [{ a: { b: { c: { d: 1 } } } }, { a: { b: { c: { d: 2 } } } }],
    [undefined, null],
    [null, null],
    ['x', 'x'],
    [{ a: 1 }, 'x'],
  ];
  for (const [a, b] of cases) assert.equal(sameJson(a, b), canonical(a) === canonical(b), `${String(canonical(a))} vs ${String(canonical(b))}`);
  // Every setting of a real program, changed one at a time, is seen as a change; the same program
  // parsed twice is the same.
  const p = one('programs:\n  w:\n    command: x --flag\n    env: { A: "1" }\n    instances: 2\n    stop: { timeout: 3s }\n    log: { timestamps: none }\n');
  assert.equal(sameProgram(p, one('programs:\n  w:\n    command: x --flag\n    env: { A: "1" }\n    instances: 2\n    stop: { timeout: 3s }\n    log: { timestamps: none }\n')), true);
  for (const [k, v] of Object.entries(p)) {
    if (k === 'source') continue;
    const other = { ...p, [k]: typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}!` : typeof v === 'boolean' ? !v : Array.isArray(v) ? [...v, 'z'] : v == null ? 'set' : { ...v, extra: 1 } };
    assert.equal(sameProgram(p, other as Program), false, `a change of ${k} went unseen`);
  }
});
