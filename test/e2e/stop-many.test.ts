// A stop of many jobs at once ends each of them with its TERM: none waits for the stop timeout
// and its KILL. (Seen once: the helper skipped its cgroup.procs read when a job's cgroup already
// said `populated 0`, but did not note that it was empty, so 18 of 50 jobs stayed `stopping`
// until the daemon sent KILL 10 s later, and `down` took 10 s.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

const N = 50;

describe('stopping many jobs at once', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test(`stop all with ${N} jobs: every one ends by its TERM, none is killed`, async () => {
    let yaml = 'programs:\n';
    for (let i = 0; i < N; i++) yaml += `  p${i}:\n    command: sleep 1000\n    stop: { timeout: 30s }\n`;
    await h.up(yaml);
    await waitFor(`all ${N} jobs running`, async () => {
      const s = await h.status();
      return s.length === N && s.every((j) => j.state === 'running');
    }, 30_000);
    // `stop all` returns when every job has ended. Well inside the 30 s stop timeout: a job the
    // helper forgot to call empty sits in `stopping` until then, and gets a KILL.
    const r = await h.cli(['stop', 'all'], { timeoutMs: 8_000 });
    assert.equal(r.code, 0, r.stderr);
    const jobs = await h.status();
    assert.deepEqual(jobs.filter((j) => j.state !== 'stopped').map((j) => `${j.name} ${j.state}`), [], 'every job stopped');
    for (const j of jobs) assert.equal(j.lastExit?.signal, 15, `${j.name} ended by TERM (${j.lastExit?.text})`);
    const log = readFileSync(join(h.home, 'daemon.log'), 'utf8');
    assert.doesNotMatch(log, /sending SIGKILL/, 'no job needed a KILL');
  });
});
