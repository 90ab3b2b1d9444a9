// The health service's scheduling, with a fake supervisor (an EventEmitter with jobs) and a
// probe that takes longer than the interval: probes never overlap and stop with the job.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { ProbeResult } from '../../../src/core/health/probe.js';
import type { PolicyRestarter } from '../../../src/core/health/restart.js';
import { HealthService } from '../../../src/core/health/service.js';
import { healthOf } from '../../../src/core/health/state.js';
import type { Job, Supervisor } from '../../../src/core/supervisor/runtime.js';

function fakeJob(restart: string): Job {
  return {
    id: 1, number: 1, pid: 100, state: 'running',
    spec: { name: 'web', restart, env: {}, envMode: 'add', cwd: '/', health: { kind: 'exec', target: ['x'], every: 5, timeout: 100, failures: 2 } },
  } as unknown as Job;
}

function setup(restart: string, answer: () => boolean) {
  const sup = new EventEmitter() as EventEmitter & { jobs: Map<number, Job> };
  const job = fakeJob(restart);
  sup.jobs = new Map([[1, job]]);
  const failed: string[] = [];
  const restarter = { isPending: () => false, fail: (_j: Job, why: string) => { failed.push(why); return true; } } as unknown as PolicyRestarter;
  let inFlight = 0;
  let maxInFlight = 0;
  let probes = 0;
  const waiters: [number, () => void][] = [];
  const run = async (): Promise<ProbeResult> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 20)); // four intervals long
    inFlight--;
    probes++;
    for (const [n, w] of waiters) if (probes >= n) w();
    return answer() ? { ok: true, detail: 'ok' } : { ok: false, detail: 'down' };
  };
  const svc = new HealthService(sup as unknown as Supervisor, restarter, () => {}, run);
  const probed = (n: number) => new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`only ${probes} probes ran, expected ${n}`)), 5000);
    waiters.push([n, () => { clearTimeout(t); resolve(); }]);
  });
  return { sup, job, svc, failed, probed, stats: () => ({ maxInFlight, probes }) };
}

test('probes never overlap, even when one takes longer than `every`', async () => {
  const s = setup('always', () => true);
  await s.probed(5);
  s.svc.stop();
  assert.equal(s.stats().maxInFlight, 1);
  assert.equal(healthOf(s.job)?.status, 'healthy');
});

test('failures in a row restart by policy, once per process', async () => {
  const s = setup('on-failure', () => false);
  await s.probed(4);
  s.svc.stop();
  assert.equal(s.failed.length >= 1, true);
  assert.match(s.failed[0], /^unhealthy: 2 health checks failed in a row, the last: down$/);
});

test('restart: never keeps it running, unhealthy; leaving running ends the checks and the verdict', async () => {
  const s = setup('never', () => false);
  await s.probed(3);
  assert.deepEqual(s.failed, []);
  assert.equal(healthOf(s.job)?.status, 'unhealthy');
  s.job.state = 'exited';
  s.job.pid = null;
  s.sup.emit('change', { job: s.job, from: 'running', to: 'exited' });
  assert.equal(healthOf(s.job), null);
  const n = s.stats().probes;
  s.svc.stop();
  assert.ok(n <= 4, 'at most the probe in flight finished after the job left running');
});

test('no probe while the job is suspended (a person stopped it); probes resume with it', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sup = new EventEmitter() as EventEmitter & { jobs: Map<number, Job> };
  const job = fakeJob('always');
  (job as { suspended: boolean }).suspended = true;
  sup.jobs = new Map([[1, job]]);
  let probes = 0;
  const run = (): Promise<ProbeResult> => { probes++; return new Promise(() => {}); };
  const restarter = { isPending: () => false, fail: () => true } as unknown as PolicyRestarter;
  const svc = new HealthService(sup as unknown as Supervisor, restarter, () => {}, run);
  t.mock.timers.tick(0);
  t.mock.timers.tick(50);
  assert.equal(probes, 0, 'no probe during ten intervals of suspension');
  (job as { suspended: boolean }).suspended = false;
  t.mock.timers.tick(5);
  assert.equal(probes, 1, 'the next interval probes again');
  t.mock.timers.tick(50);
  assert.equal(probes, 1, 'and never two at once (the first has not answered)');
  svc.stop();
});
