// findZombies: each zombie with the parent that has not waited for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROCS, proc } from './fixtures.js';
import { findZombies } from '../../../src/cli/report/zombies.js';

test('zombies come with their parent', () => {
  assert.deepEqual(findZombies(PROCS), [{ pid: 4301, comm: 'sleep', startTime: PROCS[5]!.startTime, parent: { pid: 4242, comm: 'bash' } }]);
});

test('a zombie whose parent is not in the list has parent null; no zombies, empty list', () => {
  const z = proc({ pid: 9, ppid: 8, state: 'Z', comm: 'lost' });
  assert.deepEqual(findZombies([z]).map((r) => r.parent), [null]);
  assert.deepEqual(findZombies(PROCS.filter((p) => p.state !== 'Z')), []);
});
