// waitUp (src/api/programs/wait-up.ts) on a supervisor's events alone: a job forgotten while it
// is waited for (a reload's successor, `rm`) ends the wait at once with the job named, where a
// real `up` of the file without it stops the job first (test/e2e/up-wait.test.ts sees that path).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { waitUp } from '../../../src/api/programs/wait-up.js';
import type { Job } from '../../../src/core/supervisor/job.js';
import { program } from '../supervisor/fixtures.js';

const starting = (id: number, name: string): Job => ({ id, number: id, state: 'starting', pid: 100 + id, spec: program({ name }), waitingFor: null } as unknown as Job);

test('a job forgotten meanwhile is named as removed at once; the others are still judged by their changes', async () => {
  const sup = new EventEmitter();
  const a = starting(1, 'a');
  const b = starting(2, 'b');
  const t0 = Date.now();
  const waiting = waitUp(sup as unknown as Parameters<typeof waitUp>[0], [a, b], 60_000);
  sup.emit('forget', starting(9, 'other')); // not waited for: changes nothing
  sup.emit('forget', b);
  (a as { state: string }).state = 'running';
  sup.emit('change', { job: a, from: 'starting', to: 'running', note: null });
  const r = await waiting;
  assert.ok(Date.now() - t0 < 5000, 'the wait ran on toward its timeout');
  assert.equal(r.running, 1);
  assert.deepEqual(r.failed, [{ name: 'b', job: 2, state: 'removed', why: 'removed meanwhile (an up of the file without it, or appinit rm)' }]);
  assert.deepEqual(r.pending, []);
  assert.equal(sup.listenerCount('forget') + sup.listenerCount('change'), 0, 'the wait left its listeners behind');
});

test('a job still opening its stdin or stdout when the time is up says what it waits on', async () => {
  const sup = new EventEmitter();
  const fifo = { ...starting(3, 'reader'), pid: null, opening: '/run/app/in.fifo' } as unknown as Job;
  const r = await waitUp(sup as unknown as Parameters<typeof waitUp>[0], [fifo, { ...starting(4, 'slow'), pid: null } as unknown as Job], 20);
  assert.deepEqual(r.pending.map((p) => p.why), ['opening /run/app/in.fifo: a FIFO or terminal waiting for its other end', 'not started yet']);
});
