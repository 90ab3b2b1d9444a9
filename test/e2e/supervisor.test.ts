// Supervisor core, end to end: real daemon, real processes, real signals.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { alive, sessionMembers, statField, TestHome, waitFor } from './harness.js';

describe('programs run in their own session, clean', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a service is started, its own session leader, with default signals and only fds 0-2', async () => {
    await h.up(`programs:\n  svc:\n    command: sleep 1000\n`);
    const j = await h.waitJob('svc', 'running with a pid', (j) => j.state === 'running' && j.pid != null);
    const pid = j.pid!;
    assert.equal(Number(statField(pid, 6)), pid, 'session id is the leader pid');
    assert.equal(Number(statField(pid, 5)), pid, 'process group id is the leader pid');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^SigBlk:\s+0+$/m, 'empty signal mask');
    assert.match(status, /^SigIgn:\s+0+$/m, 'no ignored signals (Node ignores SIGPIPE; it must not leak)');
    assert.deepEqual(readdirSync(`/proc/${pid}/fd`).sort(), ['0', '1', '2'], 'no descriptor of the daemon leaked');
  });

  test('info names the daemon and its helper; the daemon shows as "appinit daemon" in ps', async () => {
    const i = JSON.parse((await h.cli(['info', '--json'])).stdout);
    assert.equal(i.pid, h.daemonPid());
    assert.equal(i.helperPid, h.helperPid());
    assert.match(readFileSync(`/proc/${i.pid}/cmdline`, 'utf8'), /^appinit daemon /);
  });

  test('the control socket is private (0600)', () => {
    assert.equal(statSync(`${h.home}/appinit.sock`).mode & 0o777, 0o600);
  });

  test('status --json has the documented fields', async () => {
    const r = await h.cli(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    for (const k of ['name', 'job', 'pid', 'state', 'restarts', 'user', 'command', 'lastExit']) assert.ok(k in rows[0], `status --json has ${k}`);
    assert.equal(rows[0].user, 'root');
  });

  test('stop returns only when nothing of the job is left', async () => {
    const [j] = await h.status();
    const r = await h.cli(['stop', 'svc']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(j.pid!), false, 'leader gone when stop returns');
    const after = (await h.status())[0];
    assert.equal(after.state, 'stopped');
    assert.match(after.lastExit!.text, /signal 15 \(TERM\)/);
  });
});

describe('restart policy, backoff, crash loop', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a crashed service runs again within 1 s by default, with the exit written as exit(N)', async () => {
    await h.up(`programs:\n  crash:\n    command: sh -c 'sleep 0.3; exit 3'\n    crash_loop: { limit: 100, window: 1m }\n`);
    const first = await h.waitJob('crash', 'started', (j) => j.pid != null);
    const t0 = Date.now();
    const again = await h.waitJob('crash', 'restarted after exit 3', (j) => j.restarts >= 1 && j.pid != null && j.pid !== first.pid, 3000);
    assert.ok(Date.now() - t0 < 1500, 'restart came within the default backoff');
    assert.equal(again.lastExit?.text, 'exit(3)');
    assert.deepEqual({ code: again.lastExit?.code, signal: again.lastExit?.signal, core: again.lastExit?.core }, { code: 3, signal: null, core: false });
  });

  test('on-failure does not restart a success; success codes count', async () => {
    await h.up(`programs:\n  ok:\n    command: sh -c 'exit 2'\n    restart: on-failure\n    success_codes: [0, 2]\n`);
    const j = await h.waitJob('ok', 'exited', (j) => j.state === 'exited');
    assert.equal(j.restarts, 0);
    assert.equal(j.lastExit?.text, 'exit(2)');
  });

  test('more than K restarts within T puts the program in fatal, with the reason', async () => {
    await h.up(`programs:\n  loop:\n    command: sh -c 'exit 1'\n    backoff: { initial: 0, factor: 1, max: 0 }\n    crash_loop: { limit: 3, window: 1m }\n`);
    const j = await h.waitJob('loop', 'fatal', (j) => j.state === 'fatal');
    assert.equal(j.restarts, 3);
    // The message counts the restarts that happened, as RESTARTS does (it once said 4 here).
    assert.match(j.reason ?? '', /3 restarts within 1m \(limit 3\)/);
    const r = await h.cli(['start', 'loop']);
    assert.equal(r.code, 0);
    await h.waitJob('loop', 'fatal again after a fresh start', (j) => j.state === 'fatal' && j.restarts > 3);
  });

  test('an executable gone after load is reported as system() does: exit 127, in the status', async () => {
    // A missing executable is refused by `up` (see programs.test.ts); one that disappears later
    // is found at exec. This script removes itself, so its restart cannot exec.
    const script = h.write('gone.sh', '#!/bin/sh\nrm -f "$0"\nexit 1\n');
    chmodSync(script, 0o755);
    await h.up(`programs:\n  nope:\n    command: ${script} --flag\n    backoff: { initial: 0 }\n`);
    const j = await h.waitJob('nope', 'fatal', (j) => j.state === 'fatal');
    assert.equal(j.lastExit?.code, 127);
    assert.match(j.reason ?? '', new RegExp(`command not found: ${script}`));
    const r = await h.cli(['status', 'nope']);
    assert.match(r.stdout, /exit\(127\)/);
    assert.match(r.stdout, /command not found/);
  });

  test('a program whose #! interpreter is missing: its status names the interpreter, not "command not found"', async () => {
    const script = h.write('badinterp', '#!/nonexistent/interp -x\necho hi\n');
    chmodSync(script, 0o755);
    await h.up(`programs:\n  badinterp:\n    command: ./badinterp\n    restart: never\n`);
    const j = await h.waitJob('badinterp', 'ended', (j) => (j.state === 'exited' || j.state === 'fatal') && j.lastExit != null);
    assert.equal(j.lastExit?.code, 127);
    assert.equal(j.reason, './badinterp: bad interpreter /nonexistent/interp: No such file or directory');
    const r = await h.cli(['status', 'badinterp']);
    assert.match(r.stdout, /\.\/badinterp: bad interpreter \/nonexistent\/interp: No such file or directory/);
    assert.doesNotMatch(r.stdout, /command not found/);
  });

  test('signal 9 is written as signal 9 (KILL); a core dump as core dumped', async () => {
    await h.up(`programs:\n  victim:\n    command: sleep 1000\n  dumper:\n    command: sh -c 'ulimit -c unlimited; exec sh -c "kill -SEGV \\$\\$"'\n    restart: never\n`); // cwd: the test's home, so the core file goes with it
    const v = await h.waitJob('victim', 'running', (j) => j.pid != null);
    process.kill(v.pid!, 'SIGKILL');
    const after = await h.waitJob('victim', 'restarted after KILL', (j) => j.restarts >= 1);
    assert.equal(after.lastExit?.text, 'signal 9 (KILL)');
    const d = await h.waitJob('dumper', 'exited', (j) => j.state === 'exited');
    assert.match(d.lastExit!.text, /^signal 11 \(SEGV\)/);
  });
});

describe('stop: TERM, then KILL after the timeout, to the whole tree', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a program that ignores TERM gets KILL after stop.timeout', async () => {
    // It says when its trap is set: a TERM before it would end it at once, with no KILL to wait for.
    const trapSet = `${h.home}/stubborn-trap`;
    await h.up(`programs:\n  stubborn:\n    command: sh -c 'trap "" TERM; touch ${trapSet}; while :; do sleep 0.1; done'\n    stop: { timeout: 500ms }\n`);
    const j = await h.waitJob('stubborn', 'running', (j) => j.pid != null);
    await waitFor(`stubborn's TERM trap set (${trapSet})`, () => existsSync(trapSet));
    const t0 = Date.now();
    const r = await h.cli(['stop', 'stubborn']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 450, 'waited for the timeout before KILL');
    assert.deepEqual(sessionMembers(j.pid!), [], 'nothing left in the job\'s session');
    const s = (await h.status()).find((x) => x.name === 'stubborn')!;
    assert.equal(s.lastExit?.text, 'signal 9 (KILL)');
  });

  test('start while a stop is on its way: the stop finishes (its command returns), then the program starts; the last command wins', async () => {
    const trapSet = `${h.home}/queued-trap`;
    await h.up(`programs:\n  queued:\n    command: sh -c 'trap "" TERM; touch ${trapSet}; while :; do sleep 0.1; done'\n    stop: { timeout: 1s }\n`);
    const j = await h.waitJob('queued', 'running', (x) => x.pid != null);
    await waitFor(`queued's TERM trap set (${trapSet})`, () => existsSync(trapSet));
    const stopping = h.cli(['stop', 'queued']);
    await h.waitJob('queued', 'stopping', (x) => x.state === 'stopping');
    const start = await h.cli(['start', 'queued']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await stopping).code, 0, 'the stop returned');
    const again = await h.waitJob('queued', 'running again', (x) => x.state === 'running' && x.pid != null && x.pid !== j.pid);
    assert.ok(!alive(j.pid!), 'the old process is gone');
    // A stop after the start, both during one stop, takes the start back.
    await waitFor(`the new run's TERM trap`, () => existsSync(trapSet));
    const stop2 = h.cli(['stop', 'queued']);
    await h.waitJob('queued', 'stopping', (x) => x.state === 'stopping');
    await h.cli(['start', 'queued']);
    await h.cli(['stop', 'queued']);
    assert.equal((await stop2).code, 0);
    const end = await h.waitJob('queued', 'stopped', (x) => x.state === 'stopped');
    assert.equal(end.pid, null);
    assert.ok(!alive(again.pid!));
  });

  // Instances that stop at different speeds: the start restarts each one as soon as it has
  // stopped, so they never all rested at once, and the stop (or a `restart all`, which then left
  // every other program stopped) waited for ever.
  test('a start during the stop of instances that stop at different speeds: stop and restart all return', async () => {
    const first = `${h.home}/first-instance`;
    const armed = `${h.home}/armed`;
    // The first instance to start ends at once on TERM, the others take a second.
    const script = h.write('uneven.sh', `if mkdir ${first} 2>/dev/null; then trap 'exit 0' TERM; else trap 'sleep 1; exit 0' TERM; fi\ntouch ${armed}.$$\nwhile :; do sleep 0.05; done\n`);
    await h.up(`programs:\n  bystander:\n    command: sleep 3300\n  uneven:\n    command: sh ${script}\n    instances: 2\n`);
    const armedCount = () => readdirSync(h.home).filter((f) => f.startsWith('armed.')).length;
    await waitFor('both instances set their traps', () => armedCount() >= 2 || null);
    const stopping = h.cli(['stop', 'uneven'], { timeoutMs: 20_000 });
    await h.waitJob('uneven', 'an instance stopping', (x) => x.state === 'stopping');
    assert.equal((await h.cli(['start', 'uneven'])).code, 0);
    assert.equal((await stopping).code, 0, 'the stop returned');
    await waitFor('both instances run again', async () => (await h.status()).filter((x) => x.name === 'uneven' && x.state === 'running').length === 2 || null);
    await waitFor('both new instances set their traps', () => armedCount() >= 4 || null);
    rmSync(first, { recursive: true, force: true });
    const restarting = h.cli(['restart', 'all'], { timeoutMs: 30_000 });
    await h.waitJob('uneven', 'an instance stopping for the restart', (x) => x.state === 'stopping');
    assert.equal((await h.cli(['start', 'uneven'])).code, 0);
    assert.equal((await restarting).code, 0, 'restart all returned');
    await h.waitJob('bystander', 'started again by the restart', (x) => x.state === 'running' && x.pid != null);
  });

  // `restart web &` then `stop web`: the stop is the last command, so web stays stopped (as with
  // supervisorctl). The restart's start came after the stop had returned 0, and web ran again.
  test('a stop while a restart is stopping the program is the last word: it stays stopped', async () => {
    const armed = `${h.home}/slowstop-armed`;
    await h.up(`programs:\n  slowstop:\n    command: sh -c 'trap "sleep 1; exit 0" TERM; touch ${armed}.$$; while :; do sleep 0.05; done'\n    instances: 2\n`);
    await waitFor('both instances set their traps', () => readdirSync(h.home).filter((f) => f.startsWith('slowstop-armed.')).length >= 2 || null);
    const restarting = h.cli(['restart', 'slowstop'], { timeoutMs: 20_000 });
    await h.waitJob('slowstop', 'stopping for the restart', (x) => x.state === 'stopping');
    const stop = await h.cli(['stop', 'slowstop'], { timeoutMs: 20_000 });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await restarting).code, 0);
    // Anything the restart would start is asked before it returns: none of them may be on its way.
    const st = (await h.status()).filter((x) => x.name === 'slowstop');
    assert.deepEqual(st.map((x) => x.state), ['stopped', 'stopped'], 'stopped, not started again by the restart');
  });

  test('an orphaned grandchild is adopted, attributed to its job, killed by stop, reaped and accounted', async () => {
    const pidFile = h.write('gc.pid', '');
    await h.up(`programs:\n  forker:\n    command: sh -c 'setsid sleep 1000 & echo $! > ${pidFile}; exit 0'\n    restart: never\n`);
    await h.waitJob('forker', 'exited', (j) => j.state === 'exited');
    const gc = await waitFor('grandchild pid written', () => Number(readFileSync(pidFile, 'utf8')) || 0);
    const helper = h.helperPid();
    await waitFor('grandchild reparented to the helper (subreaper)', () => Number(statField(gc, 4)) === helper);
    // Its pid is written at the fork: the record's comm is sleep only once it has exec'd.
    await waitFor('the grandchild exec\'d sleep', () => readFileSync(`/proc/${gc}/comm`, 'utf8').trim() === 'sleep');
    const r = await h.cli(['stop', 'forker']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(gc), false, 'the adopted grandchild is gone when stop returns');
    assert.throws(() => statField(gc, 3), 'and no zombie is left');
    const recs = await (await h.api()).acct({ program: 'forker' });
    const rec = recs.find((x) => x.pid === gc);
    assert.ok(rec, 'the grandchild has a record under its job');
    assert.equal(rec.comm, 'sleep');
    assert.equal(rec.signal, 15);
    assert.match(rec.flags, /X/);
  });
});

describe('a bad control file changes nothing', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('every error is printed as FILE:LINE:COL: path: message and the running set stays', async () => {
    await h.up(`programs:\n  keep:\n    command: sleep 1000\n`);
    const before = await h.waitJob('keep', 'running', (j) => j.pid != null);
    const bad = h.write('bad.yaml', `programs:\n  keep:\n    command: sleep 5\n    restart: sometimes\n  other:\n    command: sleep 1\n    stop: { timeout: -5 }\n`);
    const r = await h.cli(['up', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${bad}:4:14: programs\\.keep\\.restart: expected one of always, on-failure, never`));
    assert.match(r.stderr, new RegExp(`${bad}:7:22: programs\\.other\\.stop\\.timeout: `));
    const now = await h.status();
    assert.equal(now.length, 1);
    assert.equal(now[0].pid, before.pid, 'the running job was not touched');
    assert.equal(now[0].command, 'sleep 1000');
  });

  test('up replaces: added started, removed stopped, changed restarted, unchanged kept', async () => {
    const before = (await h.status())[0];
    const r = await h.up(`programs:\n  keep:\n    command: sleep 1000\n  added:\n    command: sleep 999\n`);
    assert.match(r.stdout, /\+ added/);
    assert.match(r.stdout, /= keep/);
    assert.equal((await h.status()).find((j) => j.name === 'keep')!.pid, before.pid);
    const r2 = await h.up(`programs:\n  added:\n    command: sleep 998\n`);
    assert.match(r2.stdout, /~ added/);
    assert.match(r2.stdout, /- keep/);
    assert.equal(alive(before.pid!), false);
    const s = await h.status();
    assert.deepEqual(s.map((j) => j.name), ['added']);
    await h.waitJob('added', 'running the new command', (j) => j.command === 'sleep 998' && j.pid != null);
  });
});

describe('redirections, environment, cwd, umask, instances', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  before(async () => {
    h.write('in.txt', 'from stdin\n');
    h.write('app.txt', 'old line\n');
  });

  test('stdin FILE, stdout FILE (truncate), >> FILE (append), 2>&1, env, cwd, umask', async () => {
    const d = h.home;
    await h.up(`programs:
  io:
    command: sh -c 'cat; echo "err line" >&2; echo "E=$E"; pwd; umask; touch made'
    stdin: in.txt
    stdout: out.txt
    stderr: stdout
    env: { E: "42" }
    cwd: ${d}
    umask: "027"
    restart: never
  app:
    command: echo appended
    stdout: ">> app.txt"
    restart: never
  bare:
    command: env
    env: { E: "x" }
    env_mode: replace
    restart: never
`);
    await h.waitJob('io', 'exited', (j) => j.state === 'exited');
    await h.waitJob('app', 'exited', (j) => j.state === 'exited');
    await h.waitJob('bare', 'exited', (j) => j.state === 'exited');
    assert.equal(readFileSync(`${d}/out.txt`, 'utf8'), `from stdin\nerr line\nE=42\n${d}\n0027\n`);
    assert.equal(statSync(`${d}/made`).mode & 0o777, 0o640);
    assert.equal(readFileSync(`${d}/app.txt`, 'utf8'), 'old line\nappended\n');
    const logs = await h.cli(['logs', 'bare']);
    const vars = logs.stdout.trim().split('\n').map((l) => l.replace(/^\d{4}-\d\d-\d\d [\d:.]+ /, '').split('=')[0]).sort();
    assert.deepEqual(vars, ['APPINIT_INSTANCE', 'APPINIT_JOB', 'APPINIT_PROGRAM', 'E'], 'replace: only the program\'s own environment');
  });

  test('instances: N starts N jobs with their own job numbers', async () => {
    await h.up(`programs:\n  many:\n    command: sleep 1000\n    instances: 3\n`);
    const s = await waitFor('3 running', async () => {
      const j = (await h.status()).filter((x) => x.name === 'many' && x.state === 'running');
      return j.length === 3 ? j : null;
    }, 20_000);
    assert.equal(new Set(s.map((j) => j.pid)).size, 3);
    assert.deepEqual(s.map((j) => j.job), [1, 2, 3]);
  });

  test('logs shows what the program wrote, stdout and stderr', async () => {
    await h.up(`programs:\n  talk:\n    command: sh -c 'echo to-out; echo to-err >&2; sleep 1000'\n`);
    await waitFor('both lines in the logs', async () => {
      const r = await h.cli(['logs', 'talk']);
      return r.stdout.includes('to-out') && r.stdout.includes('to-err');
    });
  });
});

describe('the classic table: tty command', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a /dev/null line is a daemon with no terminal; names come from the command', async () => {
    const file = h.write('appinit.tab', `# tty command\n/dev/null sleep 1000\nnull  sh -c 'echo "quoted \\"word\\""; sleep 1000' # comment\n`);
    const r = await h.cli(['up', file]);
    assert.equal(r.code, 0, r.stderr);
    const s = await waitFor('2 running', async () => {
      const j = (await h.status()).filter((x) => x.state === 'running');
      return j.length === 2 ? j : null;
    });
    assert.deepEqual(s.map((j) => j.name).sort(), ['sh', 'sleep']);
    await waitFor('the quoted word in the log', async () => (await h.cli(['logs', 'sh'])).stdout.includes('quoted "word"'));
  });
});

describe('down', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('returns only when every job and adopted descendant is gone, even one that ignores TERM', async () => {
    const pidFile = h.write('orphan.pid', '');
    // Both say when their TERM trap is set: a TERM before it would end them at once, and down
    // would not have to wait for what ignores it.
    const trapSet = (n: string) => `${h.home}/trap-${n}`;
    await h.up(`programs:
  stubborn:
    command: sh -c 'trap "" TERM; touch ${trapSet('stubborn')}; while :; do sleep 0.1; done'
    stop: { timeout: 700ms }
  parent:
    command: sh -c 'setsid sh -c "trap \\"\\" TERM; touch ${trapSet('orphan')}; while :; do sleep 0.1; done" & echo $! > ${pidFile}; exit 0'
    restart: never
    stop: { timeout: 700ms }
`);
    const s = await h.waitJob('stubborn', 'running', (j) => j.pid != null);
    const orphan = await waitFor('orphan pid written', () => Number(readFileSync(pidFile, 'utf8')) || 0);
    await waitFor('both TERM traps set', () => existsSync(trapSet('stubborn')) && existsSync(trapSet('orphan')));
    const r = await h.cli(['down']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(s.pid!), false, 'the TERM-ignoring job is gone when down returns');
    assert.equal(alive(orphan), false, 'the adopted orphan is gone when down returns');
  });
});

describe('what a program is given', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('argv and environment reach the program byte for byte, whatever their script (UTF-8 over the helper\'s wire)', async () => {
    const word = 'crème brûlée – 日本語 😀';
    await h.up(`programs:\n  utf:\n    command: [sleep, "1000"]\n    env: { GREETING: "${word}", EMPTY: "" }\n  utfarg:\n    command: [sh, -c, "sleep 1000; :", "${word}"]\n`);
    const j = await h.waitJob('utf', 'running with a pid', (x) => x.state === 'running' && x.pid != null);
    const env = readFileSync(`/proc/${j.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes(`GREETING=${word}`), `GREETING in ${JSON.stringify(env)}`);
    assert.ok(env.includes('EMPTY='), 'an empty value stays');
    const a = await h.waitJob('utfarg', 'running with a pid', (x) => x.state === 'running' && x.pid != null);
    assert.deepEqual(readFileSync(`/proc/${a.pid}/cmdline`, 'utf8').split('\0').slice(0, 4), ['sh', '-c', 'sleep 1000; :', word]);
  });
});
