// The bundled entry's verbs are those the ES module entry gives the same groups: a verb moved or
// renamed in modules.ts must move in hot-groups.ts too, or the bundle would run the wrong group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORE_VERBS } from '../../../src/cli/core.js';
import { HOT_GROUPS } from '../../../src/cli/hot-groups.js';
import { COMMAND_GROUPS } from '../../../src/cli/modules.js';

test('every hot group is the core or a group of modules.ts with exactly its verbs', () => {
  for (const hot of HOT_GROUPS) {
    if (hot.verbs.includes('status')) {
      assert.deepEqual([...hot.verbs].sort(), CORE_VERBS.filter((v) => v !== 'daemon').sort());
      continue;
    }
    const same = COMMAND_GROUPS.find((g) => g.verbs.includes(hot.verbs[0]));
    assert.ok(same, `no group of modules.ts defines ${hot.verbs[0]}`);
    assert.deepEqual([...hot.verbs].sort(), [...same.verbs].sort(), `hot-groups.ts and modules.ts disagree on ${hot.verbs[0]}'s group`);
  }
});

test('the daemon never runs from the bundle', () => {
  assert.ok(!HOT_GROUPS.some((g) => g.verbs.includes('daemon')));
});
