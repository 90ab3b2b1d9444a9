// maxMemory end to end: the sampler's tick (APPINIT_SAMPLE_MS) sees the RSS of the whole job,
// leader and descendants, and a job above its limit is restarted by its policy, saying why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { fixture } from '../fixtures/fixtures.js';
import { TestHome, waitFor } from './harness.js';

// Sample often, so the test waits for ticks and not for the default 5 s.
process.env.APPINIT_SAMPLE_MS = '150';

describe('maxMemory', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('two 30 MB children under a 50 MB limit restart the job; one alone does not', async () => {
    const mem = fixture('touch-mem');
    await h.up(`programs:
  pair:
    command: ${mem} 30 hold & ${mem} 30 hold & wait
    shell: true
    max_memory: 50MB
    ready: 0
    backoff: { initial: 1s, factor: 1 }
    crash_loop: { limit: 100 }
  single:
    command: ${mem} 30 hold
    max_memory: 50MB
    ready: 0
`);
    const first = await h.waitJob('pair', 'running', (j) => j.state === 'running' && j.pid != null);
    const twice = await h.waitJob('pair', 'restarted twice', (j) => j.restarts >= 2, 20_000);
    assert.notEqual(twice.pid, first.pid);
    const single = (await h.status()).find((j) => j.name === 'single')!;
    assert.equal(single.restarts, 0, 'a job within its limit is left alone');
    assert.equal(single.state, 'running');
    const log = readFileSync(`${h.home}/daemon.log`, 'utf8');
    const m = /pair %\d+: memory (\d+(?:\.\d)?)MB above maxMemory 50MB; sending SIGTERM \(restart: always\)/.exec(log);
    assert.ok(m, `the daemon log says why:\n${log}`);
    // Each child holds at most 30 MB and sh far less: above 50 MB only counting the whole tree
    // (a tick may catch the second child still touching its memory, so not always 60).
    assert.ok(Number(m[1]) > 50 && Number(m[1]) < 80, `the whole job's RSS (two children of up to 30 MB and sh), got ${m[1]} MB`);
  });

  test('the reason stays on the job while it waits to restart', async () => {
    await h.cli(['stop', 'single']);
    const seen = await waitFor('pair in backoff with the memory reason', async () =>
      (await h.status()).find((j) => j.name === 'pair' && j.state === 'backoff' && /^memory \d+(\.\d)?MB above maxMemory 50MB/.test(j.reason ?? '')), 20_000);
    assert.ok(seen);
  });
});
