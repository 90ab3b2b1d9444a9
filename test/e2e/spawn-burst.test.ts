// Spawns that reach the helper together (runs due at one second leave the daemon in one write,
// issue 17) are forked, not vforked, so that each child makes its way to exec on the other core
// while the helper forks the next. What must not change: every result is exact (pid, start time,
// session, cgroup, where a failure happened) and comes back in the order the requests were sent,
// and the spawned event of each goes out before any event of its program.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Supervise, type SpawnResult } from '../../src/os/supervise.js';
import { endHelper, waitFor, recordEvents, statFields } from './harness.js';

describe('a burst of spawns in one write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-burst-'));
  const mark = `APPINIT_TEST_MARK=${dir}`;
  const helper = new Supervise(join(dir, 'supervise.sock'), join(dir, 'supervise.pid'), join(dir, 'supervise.log'));
  const { seen, exitOf } = recordEvents(helper);
  after(() => endHelper(helper, dir, mark));

  test('40 spawns released together: exact results, in the order asked, failures where they happened', async () => {
    await helper.connect();
    await waitFor('hello', () => helper.helperPid > 0);
    const cg = helper.hello?.cgroup ?? 'none';
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', APPINIT_TEST_MARK: dir };
    const order: number[] = [];
    const results: (SpawnResult | Error)[] = [];
    // Held, then released in one write: the helper reads them all in one turn (a burst).
    helper.hold(300);
    const n = 40;
    const kind = (i: number) => (i % 10 === 3 ? 'no-command' : i % 10 === 7 ? 'no-dir' : i % 10 === 9 ? 'quick' : 'sleep');
    for (let i = 0; i < n; i++) {
      const argv = kind(i) === 'no-command' ? ['/nonexistent/command'] : kind(i) === 'quick' ? ['sh', '-c', 'echo out; exit 3'] : ['sleep', '60'];
      const cwd = kind(i) === 'no-dir' ? join(dir, 'missing') : dir;
      helper.spawn({ job: `burst${i}`, argv, env, cwd, stdout: `log:${join(dir, 'logs', `burst${i}`, 'out.log')}`, stderr: 'stdout' }, (r) => {
        order.push(i);
        results[i] = r;
      });
    }
    await waitFor(`${n} spawn results`, () => order.length === n, 20_000);
    assert.deepEqual(order, Array.from({ length: n }, (_, i) => i), 'results in the order the requests were sent');
    const spawned = seen.filter((m) => m.ev === 'spawned').map((m) => (m as { job: string }).job);
    assert.deepEqual(spawned, Array.from({ length: n }, (_, i) => `burst${i}`), 'spawned events in request order');
    for (let i = 0; i < n; i++) {
      const r = results[i];
      assert.ok(!(r instanceof Error), `spawn ${i}: ${r instanceof Error ? r.message : ''}`);
      if (kind(i) === 'no-command') {
        assert.equal(r.execErrno, 2, `spawn ${i}: ENOENT`);
        assert.equal(r.stage, 'exec');
      } else if (kind(i) === 'no-dir') {
        assert.equal(r.execErrno, 2, `spawn ${i}: ENOENT`);
        assert.equal(r.stage, 'chdir');
        assert.equal(r.path, join(dir, 'missing'));
      } else {
        assert.equal(r.execErrno, undefined, `spawn ${i} exec'd`);
      }
      if (kind(i) !== 'sleep') continue;
      assert.equal(Number(statFields(r.pid)[19]), r.start, `start of ${r.pid} (spawn ${i}) as /proc says`);
      assert.equal(Number(statFields(r.pid)[3]), r.pid, `${r.pid} leads its own session`);
      if (cg.startsWith('v2:')) {
        const v2 = readFileSync(`/proc/${r.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!;
        assert.ok(v2.endsWith(`/job-burst${i}`), `${r.pid} is in job-burst${i}: ${v2}`);
      }
    }
    for (let i = 0; i < n; i++) {
      const r = results[i] as SpawnResult;
      if (kind(i) === 'sleep') process.kill(r.pid, 'SIGKILL');
      const end = await exitOf(r.pid);
      const at = seen.indexOf(end);
      const sp = seen.findIndex((m) => m.ev === 'spawned' && (m as { job: string }).job === `burst${i}`);
      assert.ok(sp >= 0 && sp < at, `spawn ${i}: its spawned before its exit`);
      const want = kind(i) === 'sleep' ? 9 : kind(i) === 'quick' ? 3 << 8 : 127 << 8;
      assert.equal(end.status, want, `spawn ${i}: how it ended`);
    }
    for (let i = 9; i < n; i += 10) {
      const log = join(dir, 'logs', `burst${i}`, 'out.log');
      await waitFor(`the output of spawn ${i}`, () => { try { return /out$/m.test(readFileSync(log, 'utf8')); } catch { return false; } });
    }
  });
});
