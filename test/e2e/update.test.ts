// `appinit update`: the daemon hands its jobs to a new daemon without restarting one (same pids,
// same helper), and a CLI of another version than the daemon says so on every command.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

describe('appinit update', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('--force hands over: a new daemon, the same helper, every job keeps its pid', async () => {
    await h.up('programs:\n  a:\n    command: sleep 1000\n    ready: 0\n  b:\n    command: sleep 1001\n    instances: 2\n    ready: 0\n');
    const before = await waitFor('three running jobs', async () => {
      const s = await h.status();
      return s.length === 3 && s.every((j) => j.state === 'running' && j.pid) ? s : null;
    });
    const [daemon, helper] = [h.daemonPid(), h.helperPid()];
    const same = await h.cli(['update']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /already runs appinit/);
    const r = await h.cli(['update', '--force', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { from: { pid: number }; to: { pid: number }; jobs: number; kept: number };
    assert.equal(out.from.pid, daemon);
    assert.notEqual(out.to.pid, daemon, 'a new daemon serves');
    assert.deepEqual([out.jobs, out.kept], [3, 3], 'every job kept its pid');
    assert.equal(alive(daemon), false, 'the old daemon ended');
    assert.equal(h.helperPid(), helper, 'the helper was adopted, not replaced');
    h.reconnect();
    const now = await h.status();
    for (const j of before) {
      const k = now.find((x) => x.name === j.name && x.job === j.job);
      assert.equal(k?.pid, j.pid, `${j.name} %${j.job} kept pid ${j.pid}`);
      assert.equal(k?.restarts, j.restarts, `${j.name} %${j.job} was not restarted`);
      assert.ok(alive(j.pid!));
    }
  });

  test('a command of another version than the daemon says to run appinit update', async () => {
    const f = join(h.home, 'daemon.version');
    const r0 = await h.cli(['status']);
    assert.doesNotMatch(r0.stderr, /appinit update/, 'same version: no message');
    writeFileSync(f, '0.0.1-old\n'); // what an older daemon wrote at its start
    const r = await h.cli(['status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the daemon runs appinit 0\.0\.1-old, this command is \S+: run `appinit update`/);
  });
});
