// When the supervise helper is killed, its jobs are reparented to the daemon (a subreaper): a
// job that ends meanwhile is recorded with its real exit status, not "unknown".
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

describe('helper death', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a job that ends while its helper is gone gets its real status and a record', async () => {
    await h.up(`programs:\n  short:\n    command: sh -c 'sleep 1.5; exit 4'\n    stdout: /dev/null\n    stderr: /dev/null\n    restart: never\n    ready: 0\n`);
    const j = await h.waitJob('short', 'running', (x) => x.state === 'running' && x.pid != null);
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(helper));
    const done = await h.waitJob('short', 'exited', (x) => x.state === 'exited', 15_000);
    assert.equal(done.lastExit?.text, 'exit(4)', 'the real status, collected by the daemon');
    const recs = await (await h.api()).acct({ program: 'short' });
    const r = recs.find((x) => x.pid === j.pid);
    assert.ok(r, 'the leader has a record');
    assert.equal(r.exitCode, 4);
  });
});
