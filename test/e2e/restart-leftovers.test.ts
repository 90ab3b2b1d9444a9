// A restart ends what the last run left (a setsid'd worker, a daemon it forked) before the next
// run starts, as systemd's KillMode=control-group: left running, a worker holding the port made
// every restart fail, and a self-daemonizing program piled up copies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

describe('restart after a run that left processes behind', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('the last run\'s worker is ended before the next run starts; one worker at a time', async () => {
    const pids = h.write('workers', '');
    await h.up(`programs:
  leaky:
    command: sh -c 'setsid sleep 1000 & echo $! >> ${pids}; sleep 0.3; exit 1'
    backoff: { initial: 0 }
    crash_loop: { limit: 100, window: 60s }
    stop: { timeout: 2s }
`);
    const workers = await waitFor('three runs, each with its worker', () => {
      const list = readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      return list.length >= 3 ? list : null;
    }, 20_000);
    // Every worker but the newest two (the current run's, and maybe the one being ended now) is gone.
    await waitFor('the first workers ended', () => workers.slice(0, -2).every((p) => !alive(p)) || null);
    const livePerRun = workers.map((p) => alive(p));
    assert.ok(livePerRun.slice(0, -2).every((x) => !x), `older workers are gone: ${JSON.stringify(workers.map((p, i) => [p, livePerRun[i]]))}`);
    const log = readFileSync(`${h.home}/daemon.log`, 'utf8');
    assert.match(log, /leaky %\d+: \w+ -> backoff: .*; first ending the 1 process its last run left \(SIGTERM\)/);
    assert.equal((await h.cli(['stop', 'leaky'], { timeoutMs: 30_000 })).code, 0);
    assert.ok(workers.every((p) => !alive(p)), 'stop ends the last worker too');
  });

  // Without a restart the worker runs on (only `stop` ends it); its job shows no PID, so status says so.
  test('status says what an ended run left running, and stop ends it', async () => {
    const pids = h.write('left-workers', '');
    await h.up(`programs:
  left:
    command: sh -c 'setsid sleep 1000 & echo $! >> ${pids}; setsid sleep 1001 & echo $! >> ${pids}; exit 0'
    restart: never
`);
    const workers = await waitFor('both workers started', () => {
      const list = readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      return list.length === 2 ? list : null;
    });
    const j = await h.waitJob('left', 'exited with its workers counted', (x) => x.state === 'exited' && x.left === 2);
    assert.equal(j.pid, null);
    const s = await h.cli(['status', 'left']);
    assert.equal(s.code, 0);
    assert.match(s.stdout, new RegExp(`^left: exited, but 2 processes it started still run \\(appinit ps shows them as job %${j.job}; appinit stop %${j.job} ends them\\)$`, 'm'));
    assert.ok(workers.every(alive), 'the workers run on');
    assert.equal((await h.cli(['stop', `%${j.job}`], { timeoutMs: 30_000 })).code, 0);
    assert.ok(workers.every((p) => !alive(p)), 'stop ends them');
    const after = await h.cli(['status', 'left']);
    assert.doesNotMatch(after.stdout, /still run/);
  });
});
