import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlText } from '../../../src/config/load.js';
import { upgradeProgram, type Program } from '../../../src/config/program.js';
import { describeChange, sameProgram } from '../../../src/core/supervisor/diff.js';
import { formatUp } from '../../../src/cli/commands/programs.js';

const one = (yaml: string): Program => parseControlText(yaml, 'app.yaml', '/srv')[0];

test('what changed: command, env names (never values), instances, other settings', () => {
  const a = one('programs:\n  w:\n    command: x\n    env: { A: "1", B: "2", C: "3" }\n');
  const b = one('programs:\n  w:\n    command: y\n    env: { A: "1", B: "9", D: "4" }\n    instances: 3\n    restart: never\n');
  assert.deepEqual(describeChange(a, b), ['command', 'env ~B +D -C', 'instances 1 -> 3', 'restart']);
  assert.deepEqual(describeChange(a, a), []);
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
