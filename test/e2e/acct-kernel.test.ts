// Kernel accounting records (taskstats, when the daemon runs as root): a process reaped by its
// own parent has a record, a leader's CPU is its own, elapsed time is exact; an unprivileged
// daemon says it keeps wait4 records and keeps them.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AcctRecord } from '../../src/store/records.js';
import { alive, CLI, marked, statField, TestHome, waitFor, type CliResult } from './harness.js';

const NOBODY = 65534;

describe('kernel accounting records', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('sh -c \'date; sleep 0.2\': date has a record, the leader\'s CPU is its own, REAL is exact', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('kernel records need a root daemon');
    await h.up(`programs:
  d:
    command: sh -c 'date; sleep 0.2'
    restart: never
  burnkid:
    command: sh -c 'sh -c "i=0; while [ \\$i -lt 300000 ]; do i=\\$((i+1)); done"; true'
    restart: never
  orphan:
    command: sh -c '(sleep 0.3 &); exit 0'
    restart: never
`);
    const c = await h.api();
    const info = await c.info();
    assert.equal(info.acct, 'taskstats', 'a root daemon records from the kernel');
    assert.match((await h.cli(['info'])).stdout, /^accounting: kernel taskstats: every process of every job/m);

    const d = await waitFor('records of sh, date and sleep', async () => {
      const recs = await c.acct({ program: 'd' });
      return recs.length >= 3 ? recs : null;
    });
    assert.deepEqual(d.map((r) => r.comm), ['date', 'sleep', 'sh'], 'one record each, in termination order');
    const [date, sleep, sh] = d;
    assert.equal(date.ppid, sh.pid, 'date was reaped by sh');
    assert.equal(date.job, sh.job);
    assert.equal(date.exitCode, 0);
    assert.equal(date.source, 'taskstats');
    assert.equal(sh.command, "sh -c 'date; sleep 0.2'", 'the leader\'s record shows the program\'s command');
    // REAL is the process's own, from its start, not whole-second boot time arithmetic (+0.58 s
    // was seen) and not until its reaping.
    assert.ok(sleep.elapsed! >= 0.2 && sleep.elapsed! < 0.26, `sleep 0.2 lasted ${sleep.elapsed}s`);
    assert.ok(Math.abs(sleep.end - sleep.start! - sleep.elapsed!) < 0.001, 'start and end agree with the elapsed time');
    assert.ok(sh.elapsed! >= sleep.elapsed! && sh.elapsed! < sleep.elapsed! + 0.1, `the leader outlived its children a little (${sh.elapsed}s)`);
    assert.ok(sh.start! <= date.start!, 'the leader started first');

    const [kid, leader] = await waitFor('records of burnkid', async () => {
      const recs = await c.acct({ program: 'burnkid' });
      return recs.length >= 2 ? recs : null;
    }, 30_000);
    assert.equal(kid.ppid, leader.pid);
    assert.ok(kid.utime + kid.stime > 0.05, `the child burned CPU (${kid.utime + kid.stime}s)`);
    assert.ok(leader.utime + leader.stime < (kid.utime + kid.stime) / 3, `the leader's CPU (${leader.utime + leader.stime}s) does not include its child's (${kid.utime + kid.stime}s)`);

    const orphan = await waitFor('the orphaned sleep\'s record', async () => (await c.acct({ program: 'orphan' })).find((r) => r.comm === 'sleep'));
    assert.equal(orphan.job, (await c.acct({ program: 'orphan' }))[0].job, 'an orphan is recorded in its job');
    // Nothing twice: the helper reaped the leaders and the orphan too (wait4), and those are not recorded again.
    const all = await c.acct();
    assert.equal(new Set(all.map((r) => r.pid)).size, all.length, 'one record per process');
  });

  test('a terminal job: its processes carry the terminal, the session keeper has no record; a command not found has one', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('kernel records need a root daemon');
    // A script that removes itself: its restart cannot exec (up refuses a missing command).
    const script = h.write('gone.sh', '#!/bin/sh\nrm -f "$0"\nexit 1\n');
    chmodSync(script, 0o755);
    await h.up(`programs:
  term:
    command: sh -c 'tty; sleep 0.1'
    tty: true
    restart: never
  missing:
    command: ${script}
    backoff: { initial: 0 }
`);
    const c = await h.api();
    const term = await waitFor('records of sh, tty and sleep', async () => {
      const r = await c.acct({ program: 'term' });
      return r.length >= 3 ? r : null;
    });
    assert.deepEqual(term.map((r) => r.comm), ['tty', 'sleep', 'sh']);
    const ptyOf = (r: AcctRecord) => ((r.tty ?? 0) >> 8) & 0xfff;
    for (const r of term) assert.ok(ptyOf(r) >= 136 && ptyOf(r) <= 143, `${r.comm} has a pseudo-terminal (tty ${r.tty})`);
    const shown = (await h.cli(['acct', 'term'])).stdout;
    assert.match(shown, /sleep +root +pts\/\d+ /, 'the table names the terminal as lastcomm does');
    await h.waitJob('missing', 'fatal', (j) => j.state === 'fatal');
    const missing = await waitFor('the record of the failed exec', async () => {
      const r = await c.acct({ program: 'missing' });
      return r.some((x) => x.exitCode === 127) ? r : null;
    });
    assert.deepEqual(missing.slice(0, 2).map((r) => [r.comm, r.exitCode]), [['rm', 0], ['gone.sh', 1]], 'rm, then the script');
    // The helper restarts on its ticket while the daemon counts the crash loop: the last fork can
    // be killed by the stop that makes the job fatal, before its exec (F and X, no exit code).
    const failedExec = (r: AcctRecord) => r.flags.includes('F') && (r.exitCode === 127 || (r.exitCode == null && r.flags.includes('X')));
    assert.ok(missing.length > 2 && missing.slice(2).every(failedExec) && missing.slice(2, -1).every((r) => r.exitCode === 127),
      `then each exec that failed: 127 as system() reports it, forked and never exec'd: ${JSON.stringify(missing.map((r) => [r.comm, r.exitCode, r.flags, r.pid]))}`);
    assert.equal(new Set(missing.map((r) => r.pid)).size, missing.length, 'one record per process');
    assert.ok((await c.acct()).every((r) => !r.comm.startsWith('appinit-superv') || r.program === 'missing'), 'no record of the helper\'s own processes');
  });

  test('records the kernel drops are said to be lost, and a leader that takes a lost process\'s pid keeps every record of its job', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('kernel records need a root daemon');
    // A helper with a small socket, stopped while the machine's exits fill it: the kernel drops
    // what comes next (ENOBUFS), among them the end of `cat` in job a.
    const u = new TestHome();
    try {
      const fifo = join(u.home, 'go');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      process.env.APPINIT_TASKSTATS_RCVBUF = '16384';
      try {
        await u.up(`programs:
  a:
    command: sh -c 'cat ${fifo} >/dev/null; exec sleep 600'
  b:
    command: sh -c 'date; sleep 0.1'
    restart: never
    autostart: false
`);
      } finally {
        delete process.env.APPINIT_TASKSTATS_RCVBUF;
      }
      const a = await u.waitJob('a', 'running', (j) => j.pid != null);
      const cat = await waitFor('cat, the child of a\'s shell', () => marked(u.home).find((p) => statField(p, 4) === String(a.pid)));
      const helper = u.helperPid();
      process.kill(helper, 'SIGSTOP');
      try {
        assert.equal(spawnSync('sh', ['-c', 'i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done']).status, 0);
        writeFileSync(fifo, 'go\n'); // cat ends: its record has no room
        await waitFor('a\'s shell to exec sleep', () => readFileSync(`/proc/${a.pid}/comm`, 'utf8').trim() === 'sleep');
      } finally {
        process.kill(helper, 'SIGCONT');
      }
      const info = await waitFor('info to say records were lost', async () => {
        const r = await u.cli(['info']);
        return /degraded \(accounting, since .*\): accounting is incomplete: the kernel dropped records of ended processes/.test(r.stdout) ? r : null;
      });
      assert.equal(info.code, 0);
      assert.match((await u.cli(['acct', 'a'])).stderr, /^appinit: warning: accounting is incomplete/m, 'acct says its list lacks records');
      // The next leader forked with cat's pid (ns_last_pid) must not be taken for the lost cat:
      // its job's records are all there.
      const c = await u.api();
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(cat - 1));
      await c.start(['b']);
      const recs = await waitFor('the records of b', async () => {
        const r = await c.acct({ program: 'b' });
        return r.some((x) => x.comm === 'sh') ? r : null;
      });
      const leader = recs.find((r) => r.comm === 'sh')!;
      if (leader.pid !== cat) return t.diagnostic(`b's leader got pid ${leader.pid}, not the lost cat's ${cat} (another process took it): the reuse was not tried`);
      assert.deepEqual(recs.map((r) => r.comm), ['date', 'sleep', 'sh'], 'every process of b, from the kernel');
    } finally {
      await u.cleanup();
    }
  });

  test('processes that end while the daemon is down are recorded once, in order, when it returns', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('kernel records need a root daemon');
    await h.up(`programs:
  late:
    command: sh -c 'sleep 0.3; date; sleep 0.2'
    restart: never
`);
    const j = await h.waitJob('late', 'running', (x) => x.pid != null);
    const daemon = h.daemonPid();
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon gone', () => !alive(daemon));
    await waitFor('the job ended while the daemon was down', () => !alive(j.pid!), 20_000);
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0);
    const recs = await waitFor('the records kept by the helper', async () => {
      const r = await (await h.api()).acct({ program: 'late' });
      return r.length >= 4 ? r : null;
    });
    await h.waitJob('late', 'exited', (x) => x.state === 'exited');
    const again = await (await h.api()).acct({ program: 'late' });
    assert.deepEqual(again.map((r) => r.comm), ['sleep', 'date', 'sleep', 'sh'], 'each once, in termination order');
    assert.equal(recs[3].pid, j.pid);
  });

  test('an unprivileged daemon says so and keeps wait4 records of what it reaps', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to run a daemon as nobody');
    const u = new TestHome('appinit-test-nobody-');
    chownSync(u.home, NOBODY, NOBODY);
    const asNobody = (args: string[]) => new Promise<CliResult>((resolve) => {
      const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], { env: u.env, cwd: u.home });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    try {
      const file = u.write('a.yaml', "programs:\n  d:\n    command: sh -c 'date; sleep 0.2'\n    restart: never\n");
      chownSync(file, NOBODY, NOBODY);
      const up = await asNobody(['up', file]);
      assert.equal(up.code, 0, up.stderr);
      const info = JSON.parse((await asNobody(['info', '--json'])).stdout);
      assert.equal(info.acct, 'wait4');
      assert.match((await asNobody(['info'])).stdout, /^accounting: wait4: only processes the helper reaps/m);
      const recs = await waitFor('the leader\'s record', async () => {
        const r = await asNobody(['acct', '--json']);
        const list = r.code === 0 ? (JSON.parse(r.stdout) as AcctRecord[]) : [];
        return list.length ? list : null;
      });
      assert.deepEqual(recs.map((r) => [r.comm, r.source]), [['sh', 'wait4']], 'only the leader, from wait4');
    } finally {
      await asNobody(['down']);
      await u.cleanup();
    }
  });
});
