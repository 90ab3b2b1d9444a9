// Supervisor.waitRest: resolves once every given job rests at the same time, asked at each rest
// (looking on from the jobs already seen resting), also when one started again after it was seen.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { Supervisor, type Job } from '../../../src/core/supervisor/runtime.js';

const job = (id: number, state: string) => ({ id, state, pid: state === 'running' ? 1000 + id : null, others: new Set(), populated: false }) as unknown as Job;
const rest = (j: Job) => Object.assign(j, { state: 'stopped', pid: null });
const run = (j: Job) => Object.assign(j, { state: 'running', pid: 1000 + j.id });

// The method alone, on an emitter: what it needs of a supervisor is its 'rest' events.
function supervisor(): Supervisor {
  const sup = Object.create(Supervisor.prototype) as Supervisor;
  EventEmitter.call(sup);
  return sup;
}

test('waitAllRest resolves at the last rest, not before; a job that started again after it rested is waited for again', async () => {
  const sup = supervisor();
  const jobs = [1, 2, 3].map((i) => job(i, 'running'));
  let done = false;
  const waiting = sup.waitAllRest(jobs).then(() => { done = true; });
  const turn = () => new Promise((r) => setImmediate(r));
  sup.emit('rest', rest(jobs[0]));
  sup.emit('rest', rest(jobs[1]));
  await turn();
  assert.equal(done, false, 'one job still runs');
  run(jobs[0]); // started again (say, by a restart of its own) after it was seen resting
  sup.emit('rest', rest(jobs[2]));
  await turn();
  assert.equal(done, false, 'the first job runs again: not every job rests');
  sup.emit('rest', rest(jobs[0]));
  await waiting;
  assert.equal(done, true);
  assert.equal(sup.listenerCount('rest'), 0, 'no listener left behind');
});

// A stop's wait: a start asked during the stop runs each instance again as soon as it has
// stopped, so instances that stop at different speeds never all rest together.
test('waitRest resolves once each job has rested since it began, even if one started again since', async () => {
  const sup = supervisor();
  const jobs = [1, 2].map((i) => job(i, 'running'));
  let done = false;
  const waiting = sup.waitRest(jobs).then(() => { done = true; });
  const turn = () => new Promise((r) => setImmediate(r));
  sup.emit('rest', rest(jobs[0]));
  run(jobs[0]); // the kept start: running again before the other has stopped
  await turn();
  assert.equal(done, false, 'the second still runs');
  sup.emit('rest', rest(jobs[1]));
  await waiting;
  assert.equal(done, true);
  assert.equal(sup.listenerCount('rest'), 0, 'no listener left behind');
});

test('jobs already resting: resolves at once; none: at once', async () => {
  const sup = supervisor();
  await sup.waitRest([job(1, 'stopped'), job(2, 'exited')]);
  await sup.waitRest([]);
  assert.equal(sup.listenerCount('rest'), 0);
});
