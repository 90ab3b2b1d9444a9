// What the helper is told to let go when a job rests: its NOTIFY_SOCKET always, the store and a
// listening socket only when no other job that is not resting uses them (a reload's new instance).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseUnused } from '../../../src/core/sockets/release.js';
import type { Job, Supervisor } from '../../../src/core/supervisor/runtime.js';

const job = (id: number, name: string, instance: number, state: string, urls: string[]) => ({
  id, instance, state, pid: state === 'running' ? 100 + id : null, others: new Set(), populated: false,
  spec: { name, listen: urls.map((url) => ({ name, url })), ready: 'notify', fdStore: 16 },
}) as unknown as Job;

function fake(jobs: Job[]) {
  const calls: unknown[] = [];
  const sup = { jobs: new Map(jobs.map((j) => [j.id, j])), releaseSockets: (w: unknown) => calls.push(w) } as unknown as Supervisor;
  return { sup, calls };
}

test('a reload\'s old instance lets go of its notify socket only; the last user lets go of everything', () => {
  const old = job(1, 'web', 0, 'stopped', ['tcp://127.0.0.1:80', 'unix:/run/a.sock']);
  const fresh = job(2, 'web', 0, 'running', ['tcp://127.0.0.1:80', 'unix:/run/a.sock']);
  const other = job(3, 'api', 0, 'running', ['unix:/run/b.sock']);
  const a = fake([old, fresh, other]);
  releaseUnused(a.sup, old);
  assert.deepEqual(a.calls, [{ job: '1', store: undefined, urls: [] }]);
  const b = fake([fresh, other]);
  (fresh as { state: string }).state = 'stopped';
  (fresh as { pid: number | null }).pid = null;
  releaseUnused(b.sup, fresh);
  assert.deepEqual(b.calls, [{ job: '2', store: 'web/0', urls: ['tcp://127.0.0.1:80', 'unix:/run/a.sock'] }]);
});

test('a job started again before the check keeps everything', () => {
  const j = job(1, 'web', 0, 'running', ['tcp://127.0.0.1:80']);
  const f = fake([j]);
  releaseUnused(f.sup, j);
  assert.deepEqual(f.calls, []);
});

test('a job that holds no socket is let go of nothing: no release is sent when it rests', async () => {
  const { EventEmitter } = await import('node:events');
  const { watchReleases } = await import('../../../src/core/sockets/release.js');
  const plain = { ...job(1, 'batch', 0, 'stopped', []), spec: { name: 'batch', listen: [], ready: 0, fdStore: 0 } } as unknown as Job;
  const notify = job(2, 'web', 0, 'stopped', []);
  const calls: { job?: string }[] = [];
  const sup = Object.assign(new EventEmitter(), { jobs: new Map<number, Job>(), releaseSockets: (w: { job?: string }) => calls.push(w) });
  const stop = watchReleases(sup as unknown as Supervisor);
  try {
    sup.jobs.set(1, plain).set(2, notify);
    sup.emit('rest', plain); // first: had it a timer, its release would come first
    sup.emit('rest', notify);
    const until = Date.now() + 20_000;
    while (calls.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls.map((c) => c.job), ['2'], 'only the job with a notify socket and a store is released');
  } finally {
    stop();
  }
});
