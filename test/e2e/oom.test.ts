// A job the kernel's OOM killer took (over its limits.memory) is said to be out of memory, in
// status, describe and its accounting record, as systemd says `oom-kill`: its status alone is a
// SIGKILL like any other. A SIGKILL from a person under the same kind of limit is not.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fixture } from '../fixtures/fixtures.js';
import { TestHome, waitFor } from './harness.js';

describe('out of memory', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('an OOM kill reads `signal 9 (KILL), out of memory`; a kill -9 reads `signal 9 (KILL)`', async (t) => {
    const mem = fixture('touch-mem');
    await h.up(`programs:
  hog:
    command: ${mem} 200 hold
    restart: never
    limits: { memory: 40MB }
  calm:
    command: sleep 1000
    restart: never
    limits: { memory: 200MB }
`);
    const calm = await h.waitJob('calm', 'running', (j) => j.state === 'running' && j.pid != null);
    const hog = await h.waitJob('hog', 'ended', (j) => j.state === 'exited' || j.state === 'failed' || j.state === 'fatal', 20_000);
    if (/limits ignored|no writable/.test(hog.reason ?? '') || hog.lastExit?.signal !== 9) {
      t.skip(`no memory cgroup here: ${hog.reason ?? ''} ${hog.lastExit?.text ?? ''}`);
      return;
    }
    assert.equal(hog.lastExit?.text, 'signal 9 (KILL), out of memory');
    const status = await h.cli(['status']);
    assert.match(status.stdout, /^hog .*signal 9 \(KILL\), out of memory/m, status.stdout);
    await waitFor('hog\'s record', async () => /signal 9 \(KILL\), out of memory/.test((await h.cli(['acct', 'hog'])).stdout));
    const rec = JSON.parse((await h.cli(['acct', 'hog', '--json'])).stdout).find((r: { signal: number | null }) => r.signal === 9);
    assert.equal(rec?.note, 'out of memory', JSON.stringify(rec));
    assert.match((await h.cli(['describe', 'hog'])).stdout, /: signal 9 \(KILL\), out of memory$/m);

    assert.equal((await h.cli(['signal', 'KILL', 'calm'])).code, 0);
    const killed = await h.waitJob('calm', 'killed', (j) => j.pid == null && j.lastExit?.signal === 9, 10_000);
    assert.equal(killed.lastExit?.text, 'signal 9 (KILL)', 'a kill -9 is no OOM kill');
    assert.notEqual(calm.pid, null);
  });
});
