// When the supervise helper is killed, its jobs are reparented to the daemon (a subreaper): a
// job that ends meanwhile is recorded with its real exit status, not "unknown".
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, TestHome, waitFor } from './harness.js';

describe('helper death', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a job that ends while its helper is gone gets its real status and a record', async () => {
    // The job ends once the test has killed its helper (a `sleep 1.5` could end first under load).
    const gate = join(h.home, 'short-may-end');
    await h.up(`programs:\n  short:\n    command: sh -c 'while [ ! -e ${gate} ]; do sleep 0.05; done; exit 4'\n    stdout: /dev/null\n    stderr: /dev/null\n    restart: never\n    ready: 0\n`);
    const j = await h.waitJob('short', 'running', (x) => x.state === 'running' && x.pid != null);
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(helper));
    writeFileSync(gate, '');
    const done = await h.waitJob('short', 'exited', (x) => x.state === 'exited', 15_000);
    assert.equal(done.lastExit?.text, 'exit(4)', 'the real status, collected by the daemon');
    const recs = await (await h.api()).acct({ program: 'short' });
    const r = recs.find((x) => x.pid === j.pid);
    assert.ok(r, 'the leader has a record');
    assert.equal(r.exitCode, 4);
    // With its user: `acct` shows a user the records of their uid (a non-root daemon's user saw none of these).
    assert.equal(r.uid, process.getuid!());
    // `appinit acct` shows the status wait4 gave, and who collected it.
    const shown = await h.cli(['acct', 'short']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`\\b${j.pid}\\b.*exit\\(4\\); reaped by the daemon`), shown.stdout);
  });

  // Restarts that fall between the helper's death and the next helper's hello were refused
  // ("the supervise helper is not connected") and the programs given up on (fatal) for good.
  test('restarts asked while no helper is connected wait for the next one: nothing is given up on', async () => {
    let yaml = 'programs:\n';
    for (let i = 0; i < 12; i++) yaml += `  flap${i}:\n    command: sh -c 'sleep 0.05; exit 1'\n    backoff: { initial: 10ms, factor: 1, max: 10ms }\n    crash_loop: { limit: 100000, window: 1s }\n    ready: 0\n`;
    await h.up(yaml);
    await h.waitJob('flap11', 'restarting', (x) => x.restarts >= 3);
    for (let round = 0; round < 3; round++) {
      const helper = h.helperPid();
      process.kill(helper, 'SIGKILL');
      await waitFor('the helper is gone', () => !alive(helper));
      await waitFor('a new helper', () => { try { return h.helperPid() !== helper || null; } catch { return null; } });
    }
    const before = new Map((await h.status()).filter((j) => j.name.startsWith('flap')).map((j) => [j.name, j.restarts]));
    await waitFor('every flapping program restarts again after the helper deaths', async () => {
      const now = (await h.status()).filter((j) => j.name.startsWith('flap'));
      return now.every((j) => j.state !== 'fatal' && j.restarts > before.get(j.name)!) || null;
    }, 20_000);
    const st = await h.status();
    assert.deepEqual(st.filter((j) => j.state === 'fatal').map((j) => `${j.name}: ${j.reason}`), []);
    const log = readFileSync(join(h.home, 'daemon.log'), 'utf8');
    assert.doesNotMatch(log, /not connected/);
    assert.match(log, /the supervise helper \(pid \d+\) went away; its jobs run on/);
    assert.equal((await h.cli(['stop', 'all'], { timeoutMs: 30_000 })).code, 0);
  });
});

// A kill -9 of the helper while a spawn is unanswered (here: its child is blocked opening a FIFO
// before exec): the child runs on in the job's cgroup. The new helper lists it, the daemon adopts
// it instead of starting the program a second time beside it, and a stop reaches all of it,
// a setsid'd descendant that ignores TERM included.
describe('helper death during a spawn', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('the lost spawn is adopted, not started twice; stop ends its whole tree', async () => {
    const starts = join(h.home, 'starts');
    const escaped = join(h.home, 'escaped');
    await h.up(`${gatedProgram(h, 'gated', `sh -c 'trap "" TERM; setsid sh -c "trap \\"\\" TERM; echo \\$\\$ > ${escaped}; exec sleep 1001" & echo started >> ${starts}; exec sleep 1000'`, 'stop: { timeout: 1s }')}
  marker:
    command: sleep 1002
    stdout: /dev/null
    stderr: /dev/null
    autostart: false
    ready: 0
`);
    await h.waitJob('gated', 'blocked opening its FIFO', (j) => j.opening != null);
    const blocked = await waitFor('the gated child in its cgroup', async () => (await cgroupMembers(h)).find((m) => m.pid !== h.helperPid()) ?? null);
    const oldHelper = h.helperPid();
    process.kill(oldHelper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(oldHelper));
    const adopted = await h.waitJob('gated', 'adopted with the blocked child as its leader', (j) => j.pid === blocked.pid, 15_000);
    assert.notEqual(adopted.state, 'fatal');
    // A writer lets the child's open(2) return: it execs and says so once.
    const gate = openSync(join(h.home, 'gate'), constants.O_RDWR | constants.O_NONBLOCK);
    try {
      await waitFor('the gated program started', () => existsSync(starts) && existsSync(escaped) && readFileSync(escaped, 'utf8').trim() !== '');
      // The helper answers requests in order: once a later start has run, a second spawn of
      // `gated` (had the daemon asked for one) is in the job's cgroup.
      assert.equal((await h.cli(['start', 'marker'])).code, 0);
      await h.waitJob('marker', 'running', (j) => j.state === 'running');
      const members = readFileSync(join(blocked.dir, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
      const escapedPid = Number(readFileSync(escaped, 'utf8'));
      assert.deepEqual(members.sort(), [blocked.pid, escapedPid].sort(), 'the adopted leader and its setsid child, nothing more');
      assert.equal(readFileSync(starts, 'utf8'), 'started\n', 'the program started once');
      const view = await h.waitJob('gated', 'running', (j) => j.state === 'running');
      assert.equal(view.pid, blocked.pid);
      assert.equal((await h.cli(['stop', 'gated'])).code, 0);
      await waitFor('the adopted tree is gone after stop', () => !alive(blocked.pid) && !alive(escapedPid), 15_000);
    } finally {
      closeSync(gate);
    }
  });
});

/** A control file whose program NAME reads its stdin from the FIFO `gate` in the home: its spawn
 *  stays unanswered (the child blocked in open(2) before exec) while no writer holds the FIFO. */
function gatedProgram(h: TestHome, name: string, command: string, ...more: string[]): string {
  return `fifos:
  gate: { path: ./gate, mode: 0600 }
programs:
  ${name}:
    command: ${command}
    cwd: ${h.home}
    stdin: { fifo: gate }
    stdout: /dev/null
    stderr: /dev/null
    ready: 0
${more.map((m) => `    ${m}\n`).join('')}`;
}

/** The one live process in a job group of this helper's cgroup directory (`info`'s cgroup). */
async function cgroupMembers(h: TestHome): Promise<{ pid: number; dir: string }[]> {
  const cg = (await (await h.api()).info()).cgroup ?? '';
  assert.match(cg, /^v2:\//, 'this test needs a cgroup per job');
  const base = cg.slice(3);
  const out: { pid: number; dir: string }[] = [];
  for (const d of readdirSync(base)) {
    if (!d.startsWith('job-')) continue;
    const pids = readFileSync(join(base, d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    for (const pid of pids) out.push({ pid, dir: join(base, d) });
  }
  return out;
}

// The same, with a leftover of an earlier run in the job's cgroup (a setsid'd child its first run
// left behind, which a run that ends without a restart leaves running): born before the spawn
// that was lost, it is not taken for that spawn's process. (A restart by policy ends leftovers
// first: restart-leftovers.test.)
describe('helper death during a spawn, beside a leftover', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('the process born after the spawn was asked is adopted, not the older leftover', async () => {
    await h.up(gatedProgram(h, 'lefty', "sh -c 'if [ ! -e first ]; then touch first; setsid sleep 1003 </dev/null >/dev/null 2>&1 & echo $! > left; exit 1; fi; exec sleep 1004'",
      'restart: never'));
    // The first run passes its open through a writer held here, leaves `sleep 1003`, and fails.
    const gate = openSync(join(h.home, 'gate'), constants.O_RDWR | constants.O_NONBLOCK);
    try {
      await h.waitJob('lefty', 'exited after its first run', (j) => j.state === 'exited', 15_000);
    } finally {
      closeSync(gate);
    }
    const left = Number(await waitFor('the leftover\'s pid', () => existsSync(join(h.home, 'left')) && readFileSync(join(h.home, 'left'), 'utf8').trim()));
    assert.ok(alive(left), 'the leftover runs on in the job\'s cgroup');
    assert.equal((await h.cli(['start', 'lefty'])).code, 0);
    // The restart blocks in its open of the FIFO, which now has no writer: its spawn is unanswered.
    await h.waitJob('lefty', 'restarted and blocked opening its FIFO', (j) => j.opening != null, 15_000);
    const blocked = await waitFor('the blocked restart in the cgroup', async () => (await cgroupMembers(h)).find((m) => m.pid !== left) ?? null);
    const oldHelper = h.helperPid();
    process.kill(oldHelper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(oldHelper));
    const adopted = await h.waitJob('lefty', 'adopted after the helper\'s death', (j) => j.pid != null && j.opening == null, 15_000);
    assert.equal(adopted.pid, blocked.pid, `the restart's process (${blocked.pid}) leads, not the leftover (${left})`);
  });
});

// A job the helper restarts itself (backoff 0: a restart ticket) whose leader and helper die
// together: the helper's restart may be done and its `respawned` lost with it. The next helper's
// reconcile found the stored leader dead and the job was started again beside the restarted
// copy: one more `sleep` per round (8 after 6). Only with cgroups can the copy be found.
describe('helper and leader killed together, with a restart ticket', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('one process per instance after each round', async () => {
    const info = (await h.cli(['info'])).stdout;
    if (!/one cgroup per job/.test(info)) return; // without cgroups the copy cannot be told (README)
    const marker = `${process.pid % 10000}7`;
    await h.up(`programs:\n  tk:\n    command: sleep 76${marker}\n    backoff: { initial: 0 }\n    crash_loop: { limit: 1000 }\n    ready: 0\n`);
    const copies = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${'76' + marker}\0`; } catch { return false; }
    });
    for (let round = 0; round < 4; round++) {
      const j = await h.waitJob('tk', 'running', (x) => x.state === 'running' && x.pid != null && alive(x.pid));
      const helper = h.helperPid();
      process.kill(j.pid!, 'SIGKILL');
      process.kill(helper, 'SIGKILL');
      await waitFor('the helper is gone', () => !alive(helper));
      await waitFor('a new helper', async () => { try { return (await h.cli(['info'])).code === 0 && h.helperPid() !== helper; } catch { return false; } });
      await h.waitJob('tk', 'running again', (x) => x.state === 'running' && x.pid != null && x.pid !== j.pid && alive(x.pid), 15_000);
      // Running again means the reconcile is over: a second start would have been made by then.
      assert.equal(copies().length, 1, `round ${round + 1}: copies ${copies().join(' ')}`);
    }
    await h.cli(['stop', 'tk']);
    assert.equal(copies().length, 0, 'stop left none');
  });
});

// The helper a killed daemon left is not the next daemon's child: when it dies in turn, its jobs
// go to pid 1, not to the daemon, and no wait4 can tell how they end. The next helper follows
// their kernel records (taskstats), and the daemon reads the leader's status from its record:
// it was `unknown`, and a `restart: on-failure` task that had succeeded ran a second time.
describe('helper death after a daemon restart', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a job that ends then has its real status and every process its record', async (t) => {
    assert.equal((await h.cli(['info'])).code, 0);
    if ((await (await h.api()).info()).acct !== 'taskstats') return t.skip('needs taskstats accounting (root)');
    const gate = join(h.home, 'may-end');
    const runs = join(h.home, 'runs');
    await h.up(`programs:\n  task:\n    command: sh -c 'echo ran >> ${runs}; while [ ! -e ${gate} ]; do sleep 0.05; done; sleep 0.2; exit 0'\n    restart: on-failure\n    ready: 0\n`);
    const j = await h.waitJob('task', 'running', (x) => x.state === 'running' && x.pid != null);
    const d = h.daemonPid();
    process.kill(d, 'SIGKILL');
    await waitFor('the daemon is gone', () => !alive(d));
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0, 'a command starts the next daemon');
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(helper));
    await waitFor('a new helper', () => { try { return h.helperPid() !== helper || null; } catch { return null; } });
    writeFileSync(gate, '');
    const done = await h.waitJob('task', 'exited', (x) => x.state === 'exited', 15_000);
    assert.equal(done.lastExit?.text, 'exit(0)', 'its real status, from its kernel record');
    assert.equal(readFileSync(runs, 'utf8'), 'ran\n', 'a success is not restarted on-failure');
    const recs = await (await h.api()).acct({ program: 'task' });
    const leader = recs.filter((r) => r.pid === j.pid);
    assert.equal(leader.length, 1, 'one record of the leader');
    assert.equal(leader[0].exitCode, 0);
    assert.equal(leader[0].uid, process.getuid!(), 'the kernel\'s record, with its user');
    assert.ok(recs.some((r) => r.comm === 'sleep' && (r.elapsed ?? 0) >= 0.15), `the sleep it forked after the helper's death has its record: ${JSON.stringify(recs.map((r) => [r.command, r.pid]))}`);
  });
});

// Daemon and helper both killed: an exited job's worker (what it left running) is still the job's
// for the next daemon: status says so and `down` ends it (it was forgotten: no hint, no ps line,
// and `down` left it running).
describe('daemon and helper killed, an ended job\'s leftover running', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('is still the job\'s: status says it runs and down ends it', async (t) => {
    assert.equal((await h.cli(['info'])).code, 0);
    if (!/one cgroup per job/.test((await h.cli(['info'])).stdout)) return t.skip('needs per-job cgroups');
    const pidFile = join(h.home, 'left.pid');
    await h.up(`programs:\n  uleft:\n    command: sh -c 'sleep 802 & echo $! > ${pidFile}; exit 3'\n    restart: never\n`);
    await h.waitJob('uleft', 'exited, its worker running', (x) => x.state === 'exited' && x.left === 1);
    const left = Number(readFileSync(pidFile, 'utf8'));
    const d = h.daemonPid();
    const helper = h.helperPid();
    process.kill(d, 'SIGKILL');
    await waitFor('the daemon is gone', () => !alive(d));
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(helper));
    h.reconnect();
    const st = await h.cli(['status', 'uleft']);
    assert.match(st.stdout, /^uleft: exited, but 1 process it started still runs/m, st.stdout);
    assert.ok(alive(left), 'the worker runs');
    const down = await h.cli(['down'], { timeoutMs: 60_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.equal(alive(left), false, 'down ended the worker');
  });
});
