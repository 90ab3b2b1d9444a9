// Who sees and drives which jobs: the API as a function, with the peer the kernel would report
// (SO_PEERCRED). The supervisor is a stand-in that records signals; the routes are the real ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../../../src/api/app.js';
import type { ApiContext, ApiRequest } from '../../../src/api/routes.js';
import type { Job } from '../../../src/core/supervisor/runtime.js';

const ALICE = 4242;
const BOB = 4343;

function job(id: number, owner: number, command: string): Job {
  return {
    id, number: id, program: null, instance: 0, ownerUid: owner, state: 'running', want: 'up', pid: 10_000 + id,
    startTicks: 1, startedAt: Date.now(), restarts: 0, restartTimes: [], attempt: 0, lastExit: null, reason: null,
    suspended: false, createdAt: id, spec: { name: command.split(' ')[0], commandText: command, tty: false } as Job['spec'],
    timer: null, others: new Set(), foreign: false, execError: null, stopSig: null, touchedAt: id, winsize: null, execFailure: null,
    startedMono: 0, populated: false, killRounds: 0, opening: null, waitingFor: null,
  } as Job;
}

describe('job control is per user', () => {
  const signalled: { id: number; sig: string }[] = [];
  const jobs = new Map([[1, job(1, ALICE, 'sleep 100')], [2, job(2, BOB, 'sleep 200')]]);
  const sup = { jobs, signal: (js: Job[], sig: string) => js.forEach((j) => signalled.push({ id: j.id, sig })), forget: () => {} };
  const ctx = { sup, services: {} } as unknown as ApiContext;
  const app = createApp(ctx);
  const as = (uid: number, method: string, path: string, body: Record<string, unknown> = {}) =>
    app.handle({ method, path, query: new URLSearchParams(), body, peer: { uid, gid: uid, pid: 1 } } satisfies ApiRequest);

  test('jobs lists only the caller\'s jobs; root sees every one', async () => {
    assert.deepEqual(((await as(ALICE, 'GET', '/v1/jobs')).body as { command: string }[]).map((j) => j.command), ['sleep 100']);
    assert.deepEqual(((await as(BOB, 'GET', '/v1/jobs')).body as { command: string }[]).map((j) => j.command), ['sleep 200']);
    assert.equal(((await as(0, 'GET', '/v1/jobs')).body as unknown[]).length, 2);
  });

  test('kill of another user\'s job, by spec or by pid, is refused as no such job; one\'s own works', async () => {
    const r = (await as(BOB, 'POST', '/v1/kill', { targets: ['%1', '10001'], signal: 'KILL' })).body as { results: { ok: boolean; error?: string }[] };
    assert.deepEqual(r.results.map((x) => x.ok), [false, false]);
    assert.match(r.results[0].error!, /%1: no such job/);
    assert.equal(signalled.length, 0, 'nothing was signalled');
    await as(ALICE, 'POST', '/v1/kill', { targets: ['%1'], signal: 'TERM' });
    assert.deepEqual(signalled, [{ id: 1, sig: 'SIGTERM' }]);
  });

  test('run --user is for root only', async () => {
    const r = await as(ALICE, 'POST', '/v1/run', { argv: ['id'], user: 'root' });
    assert.equal(r.status, 403);
    assert.match(JSON.stringify(r.body), /only root may run a job as another user/);
  });
});
