// Ordering between programs (the seed's signaling, section X before section Y): `after: [a]`
// starts once a is ready, `after: { a: exited }` once a has ended successfully.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome } from './harness.js';

describe('after:', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('web waits for migrate to exit, api for web to be ready; a stop of a waiting job is immediate', async () => {
    // migrate ends once the test has seen web wait for it (a fixed sleep could end first under load).
    const done = join(h.home, 'migrate-may-end');
    const file = `programs:
  migrate:
    command: sh -c 'while [ ! -e ${done} ]; do sleep 0.05; done'
    restart: never
  web:
    command: sleep 1000
    after: { migrate: exited }
    ready: 300ms
  api:
    command: sleep 1000
    after: [web]
    ready: 0
  never:
    command: sleep 1000
    after: { broken: exited }
    stop: { timeout: 60s }
  broken:
    command: sh -c 'exit 3'
    restart: never
`;
    await h.up(file);
    const web0 = await h.waitJob('web', 'waiting for migrate', (j) => j.state === 'starting');
    assert.equal(web0.pid, null, 'web has no process while migrate runs');
    assert.deepEqual(web0.waitingFor, ['migrate to exit']);
    writeFileSync(done, '');
    const m = await h.waitJob('migrate', 'exited', (j) => j.state === 'exited');
    const web = await h.waitJob('web', 'running', (j) => j.state === 'running');
    const api = await h.waitJob('api', 'running', (j) => j.state === 'running');
    assert.equal(m.lastExit?.code, 0);
    assert.ok(web.uptime! >= api.uptime!, 'api started after web');
    assert.ok(api.uptime! <= web.uptime! - 0.25, `api started once web was ready (web up ${web.uptime}s, api up ${api.uptime}s)`);
    // What it waits for says that broken failed (it said "waiting for broken to exit" for ever).
    const never = await h.waitJob('never', 'waits for a program that failed', (j) => (j.waitingFor ?? []).includes('broken to exit with success (it ended with exit(3))'));
    assert.equal(never.pid, null);
    const st = (await h.cli(['status', 'never'])).stdout;
    assert.match(st, /starting \(waiting for broken to exit with success \(it ended with exit\(3\)\)\)/);
    // up --wait of the same file fails at once, naming it, as docker compose up --wait does.
    const t0 = Date.now();
    const w = await h.cli(['up', '--wait', '--wait-timeout', '60s', h.write('appinit.yaml', file)], { timeoutMs: 30_000 });
    assert.equal(w.code, 1, w.stderr);
    assert.match(w.stderr, /up --wait: never %\d+ starting: waiting for broken to exit with success \(it ended with exit\(3\)\)/);
    assert.ok(Date.now() - t0 < 20_000, 'not after its 60 s timeout');
    // With a 60 s stop timeout, a stop that waited for one would outlast the CLI's 30 s limit.
    const r = await h.cli(['stop', 'never'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    await h.waitJob('never', 'stopped', (j) => j.state === 'stopped');
  });

  test('after: [X] holds nothing when X is not being started; a given-up X is named and up --wait fails at once', async () => {
    const file = `programs:
  off:
    command: sleep 1000
    autostart: false
  uses-off:
    command: sleep 1000
    after: [off]
  crashy:
    command: sh -c 'exit 1'
    backoff: { initial: 100ms }
    crash_loop: { limit: 1 }
  uses-crashy:
    command: sleep 1000
    after: [crashy]
`;
    const t0 = Date.now();
    const w = await h.cli(['up', '--wait', '--wait-timeout', '60s', h.write('deps.yaml', file)], { timeoutMs: 40_000 });
    assert.equal(w.code, 1, w.stderr);
    assert.ok(Date.now() - t0 < 30_000, 'not after its 60 s timeout');
    // systemd's After=: orders only what is started. A program not being started holds nothing.
    await h.waitJob('uses-off', 'running without off', (j) => j.state === 'running');
    const off = (await h.status()).find((j) => j.name === 'off');
    assert.equal(off?.state, 'stopped');
    // Given up on: named with how it ended (it waited for ever, saying only "waiting for crashy").
    const u = await h.waitJob('uses-crashy', 'waiting, naming how crashy ended', (j) => j.state === 'starting' && /^crashy \(it ended with /.test(j.waitingFor?.[0] ?? ''));
    assert.equal(u.pid, null);
    assert.match(w.stderr, /uses-crashy %\d+ starting: waiting for crashy \(it ended with/);
  });
});
