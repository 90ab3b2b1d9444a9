// The watch service reads every job when jobs change: once per burst of changes, not once per
// change (400 scheduled runs started at once, or an `up` of 500, made thousands of changes in
// one turn: O(N^2), issue 17). A burst queued before stop() starts nothing afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Supervisor } from '../../../src/core/supervisor/runtime.js';
import { WatchService } from '../../../src/core/watch/service.js';

function fakeSupervisor() {
  const sup = new EventEmitter() as EventEmitter & { reads: number; jobs: { values(): IterableIterator<never> } };
  sup.reads = 0;
  sup.jobs = { values: () => { sup.reads++; return ([] as never[]).values(); } };
  return sup;
}

test('a burst of job changes in one turn reads the jobs once', async () => {
  const sup = fakeSupervisor();
  const w = new WatchService(sup as unknown as Supervisor, () => {});
  const first = sup.reads; // the constructor's own look
  for (let i = 0; i < 500; i++) sup.emit('change', {});
  assert.equal(sup.reads, first, 'not read while the burst is under way');
  await new Promise((r) => setImmediate(r));
  assert.equal(sup.reads, first + 1);
  sup.emit('change', {});
  await new Promise((r) => setImmediate(r));
  assert.equal(sup.reads, first + 2, 'a later change is looked at again');
  w.stop();
});

test('a burst queued before stop() reads nothing after it', async () => {
  const sup = fakeSupervisor();
  const w = new WatchService(sup as unknown as Supervisor, () => {});
  const first = sup.reads;
  sup.emit('change', {});
  w.stop();
  await new Promise((r) => setImmediate(r));
  assert.equal(sup.reads, first);
});
