// at's batch rule on its own: which queues are batch, the rule from the environment, the gate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchGate, batchRuleFromEnv, isBatchQueue } from '../../../src/core/scheduler/batch.js';

test('queue b and the uppercase queues are batch; a and the other lowercase ones are not', () => {
  assert.deepEqual(['a', 'b', 'c', 'z', 'A', 'B', 'Z', '='].map(isBatchQueue), [false, true, false, false, true, true, true, false]);
});

test('the rule from the environment: atd\'s 1.5 and 60 s by default; a bad value is named and not used', () => {
  const notes: string[] = [];
  const load = () => 0;
  assert.deepEqual({ ...batchRuleFromEnv({}, load, (l) => notes.push(l)), load: null }, { limit: 1.5, intervalMs: 60_000, load: null });
  assert.deepEqual({ ...batchRuleFromEnv({ APPINIT_BATCH_LOAD: '3.5', APPINIT_BATCH_INTERVAL: '0' }, load, (l) => notes.push(l)), load: null }, { limit: 3.5, intervalMs: 0, load: null });
  assert.equal(notes.length, 0);
  assert.equal(batchRuleFromEnv({ APPINIT_BATCH_LOAD: 'high' }, load, (l) => notes.push(l)).limit, 1.5);
  assert.deepEqual(notes, ['APPINIT_BATCH_LOAD="high" is not a number >= 0; using 1.5']);
});

test('the gate: nothing due, nothing to do; the load is read only when a job could go', () => {
  let reads = 0;
  let load = 2;
  const gate = new BatchGate({ load: () => (reads++, load), limit: 1.5, intervalMs: 60_000 });
  assert.deepEqual(gate.pick([], 0), { go: null, again: null });
  assert.equal(reads, 0);
  const jobs = [{ id: 2, runAt: 5 }, { id: 1, runAt: 5 }, { id: 3, runAt: 1 }];
  assert.deepEqual(gate.pick(jobs, 10), { go: null, again: 60_010 }, 'too loaded: look again in an interval');
  load = 1;
  assert.deepEqual(gate.pick(jobs, 20), { go: { id: 3, runAt: 1 }, again: 60_020 }, 'the oldest');
  assert.deepEqual(gate.pick(jobs.slice(0, 2), 30), { go: null, again: 60_020 }, 'an interval after the last start');
  const before = reads;
  gate.pick(jobs.slice(0, 2), 40);
  assert.equal(reads, before, 'not read while the interval holds them back');
  assert.deepEqual(gate.pick(jobs.slice(0, 2), 60_020).go, { id: 1, runAt: 5 }, 'same time: the lower number first');
});
