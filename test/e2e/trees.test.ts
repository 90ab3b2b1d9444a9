// Whole process trees, exactly (issue 18, issue 16 defect 1): `stop` leaves nothing of a job,
// a second `stop` and `down` return, double-forking daemons are stopped with their own job,
// with per-job cgroups and without them (APPINIT_CGROUP=none: sessions, groups, the subreaper).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, statField, TestHome, waitFor } from './harness.js';

/** Live (not zombie) processes whose environment names this home, other than the daemon, the helper
 *  and the helper's fd holder. */
function jobProcesses(h: TestHome): { pid: number; cmd: string }[] {
  const skip = new Set([process.pid]);
  for (const f of [() => h.daemonPid(), () => h.helperPid(), () => h.holderPid() ?? 0]) {
    try { skip.add(f()); } catch { /* not running */ }
  }
  const mark = Buffer.from(`APPINIT_HOME=${h.home}\0`);
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || skip.has(Number(d))) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`);
      if (env.indexOf(mark) < 0 || !alive(Number(d))) continue;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      out.push({ pid: Number(d), cmd });
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return out;
}

// The exact program of issue 16 defect 1: a TERM-ignoring child in a session of its own.
const STUBBORN = ['sh', '-c', 'trap "" TERM; setsid sh -c "trap \\"\\" TERM; exec sleep 1001" & sleep 1002'];

// A double-forking daemon that ignores TERM, writing its pid to $1; then the leader waits.
const DOUBLE_FORK = `trap "" TERM
(setsid sh -c 'trap "" TERM; echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1003' sh "$1" &)
exec sleep 1004
`;

for (const mode of ['cgroup', 'none'] as const) {
  describe(`process trees (${mode === 'cgroup' ? 'a cgroup per job' : 'APPINIT_CGROUP=none'})`, () => {
    const h = new TestHome();
    const saved = process.env.APPINIT_CGROUP;
    before(() => {
      // The daemon (and so its helper) inherits the environment of the CLI that starts it.
      if (mode === 'none') process.env.APPINIT_CGROUP = 'none';
      else delete process.env.APPINIT_CGROUP;
    });
    after(async () => {
      await h.cleanup();
      if (saved === undefined) delete process.env.APPINIT_CGROUP;
      else process.env.APPINIT_CGROUP = saved;
    });

    test('stop leaves nothing of a TERM-ignoring tree; a second stop and down return', async (t) => {
      await h.up(`programs:\n  stubborn:\n    command: ${JSON.stringify(STUBBORN)}\n    stop: { timeout: 2s }\n`);
      await h.waitJob('stubborn', 'running', (j) => j.state === 'running');
      await waitFor('sleep 1001 and sleep 1002 running', () => {
        const cmds = jobProcesses(h).map((p) => p.cmd);
        return cmds.includes('sleep 1001') && cmds.includes('sleep 1002');
      });
      const t0 = Date.now();
      const r = await h.cli(['stop', 'stubborn'], { timeoutMs: 20_000 });
      t.diagnostic(`stop took ${Date.now() - t0} ms (stop.timeout 2s)`);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(jobProcesses(h), [], 'nothing of the job is alive when stop returns');
      const again = await h.cli(['stop', 'stubborn'], { timeoutMs: 10_000 });
      assert.equal(again.code, 0, again.stderr);
      const s = (await h.status()).find((j) => j.name === 'stubborn');
      assert.equal(s?.state, 'stopped');
      await h.cli(['start', 'stubborn']);
      await waitFor('started again', () => jobProcesses(h).some((p) => p.cmd === 'sleep 1001'));
      const down = await h.cli(['down'], { timeoutMs: 20_000 });
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(jobProcesses(h), [], 'nothing is alive after down');
    });

    test('an exec that fails is said and given up on, not a silent crash loop of exit 127', async () => {
      // Executable at `up` (its check passes), not when it starts.
      const script = join(h.home, 'run.sh');
      writeFileSync(script, '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
      await h.up(`programs:\n  noexec:\n    command: ${script}\n    autostart: false\n`);
      chmodSync(script, 0o644);
      await h.cli(['start', 'noexec'], { timeoutMs: 20_000 });
      const j = await h.waitJob('noexec', 'fatal with the exec error', (x) => x.state === 'fatal', 20_000);
      assert.equal(j.reason, `exec: Permission denied (${script})`);
      assert.equal(j.restarts, 0, 'not restarted: it can never start');
    });

    test('a stopped tree (SIGSTOP) ends of the stop signal: stop sends SIGCONT after it', async () => {
      // A stopped process keeps TERM pending until continued: without the SIGCONT the stop waited
      // out its whole timeout (here 60 s, past the CLI's wait below) and then KILLed.
      await h.up(`programs:\n  frozen:\n    command: sh -c "sleep 1005 & exec sleep 1006"\n    stop: { timeout: 60s }\n`);
      const j = await h.waitJob('frozen', 'running', (x) => x.state === 'running' && x.pid != null);
      await waitFor('sleep 1005 and sleep 1006 running', () => {
        const cmds = jobProcesses(h).map((p) => p.cmd);
        return cmds.includes('sleep 1005') && cmds.includes('sleep 1006');
      });
      assert.equal((await h.cli(['kill', '-STOP', 'frozen'])).code, 0);
      await waitFor('both stopped (state T)', () => jobProcesses(h).every((p) => statField(p.pid, 3) === 'T'));
      const r = await h.cli(['stop', 'frozen'], { timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(jobProcesses(h), [], 'nothing of the job is alive when stop returns');
      const s = (await h.status()).find((x) => x.name === 'frozen');
      assert.equal(s?.lastExit?.signal, 15, `ended by TERM, not KILL: ${JSON.stringify(s?.lastExit)} (pid ${j.pid})`);
    });

    // Without cgroups an orphan found with no session or group in common is attributed by the
    // death that orphaned it, which cannot tell two such daemons apart: exact only with cgroups.
    test('double-forking daemons are stopped with their own job', { skip: mode === 'none' && 'attribution is exact only with cgroups' }, async () => {
      const script = h.write('dfork.sh', DOUBLE_FORK);
      const pidFile = (n: string) => join(h.home, `${n}.pid`);
      await h.up(
        'programs:\n' +
          ['a', 'b'].map((n) => `  ${n}:\n    command: ${JSON.stringify(['sh', script, pidFile(n)])}\n    stop: { timeout: 1s }\n`).join(''),
      );
      const pids = await waitFor('both daemons wrote their pid', () => {
        try {
          return { a: Number(readFileSync(pidFile('a'), 'utf8')), b: Number(readFileSync(pidFile('b'), 'utf8')) };
        } catch {
          return null;
        }
      });
      assert.ok(alive(pids.a) && alive(pids.b), 'both daemons run');
      assert.equal((await h.cli(['stop', 'a'], { timeoutMs: 20_000 })).code, 0);
      assert.equal(alive(pids.a), false, "a's daemon is gone when `stop a` returns");
      assert.equal(alive(pids.b), true, "b's daemon is not a's: it still runs");
      assert.equal((await h.cli(['stop', 'b'], { timeoutMs: 20_000 })).code, 0);
      assert.equal(alive(pids.b), false, "b's daemon is gone when `stop b` returns");
      assert.deepEqual(jobProcesses(h), []);
    });
  });
}

describe('a process that cannot be killed (state D)', () => {
  const h = new TestHome();
  const freezer = join('/sys/fs/cgroup/freezer', `appinit-test-${process.pid}`);
  after(async () => {
    try { writeFileSync(join(freezer, 'freezer.state'), 'THAWED'); } catch { /* none */ }
    await h.cleanup();
    try { rmdirSync(freezer); } catch { /* none */ }
  });

  // A program `sleep SECS` whose process the v1 freezer holds in state D, where SIGKILL cannot end it.
  async function frozenJob(name: string, secs: number) {
    await h.up(`programs:\n  ${name}:\n    command: sleep ${secs}\n    stop: { timeout: 1s }\n`);
    const j = await h.waitJob(name, 'running', (x) => x.state === 'running' && x.pid != null);
    mkdirSync(freezer, { recursive: true });
    writeFileSync(join(freezer, 'tasks'), String(j.pid));
    writeFileSync(join(freezer, 'freezer.state'), 'FROZEN');
    await waitFor('the job is in state D', () => statField(j.pid!, 3) === 'D');
    return j;
  }

  // A task frozen by the v1 freezer sits in state D and outlives SIGKILL until thawed.
  test('stop returns and names it', { skip: !freezerWritable() && 'no writable v1 freezer' }, async () => {
    const j = await frozenJob('frozen', 1005);
    const t0 = Date.now();
    const r = await h.cli(['stop', 'frozen'], { timeoutMs: 30_000 });
    const ms = Date.now() - t0;
    assert.equal(r.code, 1, 'not everything of it stopped');
    assert.match(r.stderr, new RegExp(`^appinit: stop: frozen %${j.job}: processes left after SIGKILL: ${j.pid} \\(D: uninterruptible sleep\\)$`, 'm'));
    assert.equal(alive(j.pid!), true, 'it really could not be killed');
    const log = readFileSync(join(h.home, 'daemon.log'), 'utf8');
    assert.match(log, new RegExp(`alive after SIGKILL: .*\\b${j.pid} \\(D\\)`));
    writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
    await waitFor('it dies once thawed (the KILL was pending)', () => !alive(j.pid!));
    console.log(`# stop of a job in state D returned after ${ms} ms (stop.timeout 1s)`);
  });

  // The stop's cgroup.kill leaves the group marked; on Linux 6.14+ a child cloned into such a
  // group is killed at once by the kernel, and the job could not run again until the daemon did.
  test('a start while it survives runs the program, and so does every later start', { skip: !freezerWritable() && 'no writable v1 freezer' }, async () => {
    const j = await frozenJob('frozen2', 1006);
    assert.equal((await h.cli(['stop', 'frozen2'], { timeoutMs: 30_000 })).code, 1, 'the survivor is named');
    assert.equal((await h.cli(['start', 'frozen2'])).code, 0);
    const again = await h.waitJob('frozen2', 'running beside the survivor', (x) => x.state === 'running' && x.pid != null && x.pid !== j.pid, 15_000);
    assert.equal(again.restarts, 0, 'not killed and restarted');
    writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
    await waitFor('the survivor dies once thawed', () => !alive(j.pid!));
    assert.equal((await h.cli(['restart', 'frozen2'])).code, 0);
    const third = await h.waitJob('frozen2', 'running after a restart', (x) => x.state === 'running' && x.pid != null && x.pid !== again.pid, 15_000);
    assert.ok(alive(third.pid!), 'the restarted program runs');
  });

  // A restart first ends what the last run left (restart-leftovers.test.ts); one that outlives
  // SIGKILL does not hold the restart up for good, and the daemon's log says which it was.
  test('a restart goes on beside a leftover that outlives SIGKILL, and the log names it', { skip: !freezerWritable() && 'no writable v1 freezer' }, async () => {
    const marker = join(h.home, 'first-run-done');
    const leftPid = join(h.home, 'left.pid');
    const go = join(h.home, 'go');
    await h.up(`programs:
  clearing:
    command: sh -c 'if [ -e ${marker} ]; then exec sleep 1009; fi; touch ${marker}; setsid sleep 1008 & echo $! > ${leftPid}; while [ ! -e ${go} ]; do sleep 0.05; done; exit 1'
    backoff: { initial: 0 }
    stop: { timeout: 1s }
`);
    const first = await h.waitJob('clearing', 'running', (x) => x.state === 'running' && x.pid != null);
    const left = await waitFor('the first run left its worker', () => { try { return Number(readFileSync(leftPid, 'utf8')) || null; } catch { return null; } });
    mkdirSync(freezer, { recursive: true });
    writeFileSync(join(freezer, 'tasks'), String(left));
    writeFileSync(join(freezer, 'freezer.state'), 'FROZEN');
    await waitFor('the worker is in state D', () => statField(left, 3) === 'D');
    writeFileSync(go, '');
    const again = await h.waitJob('clearing', 'running again', (x) => x.state === 'running' && x.pid != null && x.pid !== first.pid, 20_000);
    assert.equal(alive(left), true, 'the worker really could not be killed');
    const log = readFileSync(join(h.home, 'daemon.log'), 'utf8');
    assert.match(log, new RegExp(`clearing: what its last run left outlived SIGKILL: ${left} \\(D: uninterruptible sleep\\); restarting beside it`));
    assert.ok(alive(again.pid!), 'the new run runs');
    writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
    await waitFor('the worker dies once thawed', () => !alive(left));
    assert.equal((await h.cli(['stop', 'clearing'], { timeoutMs: 20_000 })).code, 0);
  });

  test('down names it and fails, as stop does', { skip: !freezerWritable() && 'no writable v1 freezer' }, async () => {
    const j = await frozenJob('frozen3', 1007);
    const r = await h.cli(['down'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, `not every job stopped: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`^appinit: down: frozen3 %${j.job}: processes left after SIGKILL: ${j.pid} \\(D: uninterruptible sleep\\)$`, 'm'));
    assert.doesNotMatch(r.stdout, /every job stopped/);
    writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
    await waitFor('it dies once thawed', () => !alive(j.pid!));
  });
});

/** True when a v1 freezer hierarchy is mounted and writable here. */
function freezerWritable(): boolean {
  try {
    const probe = join('/sys/fs/cgroup/freezer', `appinit-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}
