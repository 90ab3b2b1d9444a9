// What makes a restart cheap (issue 17), and what it must not change: a job with a cgroup is
// vforked straight into it (clone3 CLONE_VM|CLONE_VFORK|CLONE_INTO_CGROUP), its start time is
// taken from the clock around the clone rather than /proc, the helper looks for orphans only when
// the dead process's cgroup still has something in it, and the daemon's side handles the helper's
// events in groups (one store commit per group) without losing or reordering any.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ExitEvent, HelperEvent } from '../../src/os/helper-protocol.js';
import { Supervise, type SpawnResult } from '../../src/os/supervise.js';
import { endHelper, helperSpawner, waitFor, recordEvents, statFields } from './harness.js';

describe('spawning through the helper, fast and exact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-spawnfast-'));
  const mark = `APPINIT_TEST_MARK=${dir}`;
  const helper = new Supervise(join(dir, 'supervise.sock'), join(dir, 'supervise.pid'), join(dir, 'supervise.log'));
  const { seen, exitOf } = recordEvents(helper);
  const spawn = helperSpawner(helper, dir);
  after(() => endHelper(helper, dir, mark));

  test('each child is born in its job\'s own group, with the start time /proc shows', async () => {
    await helper.connect();
    await waitFor('hello', () => helper.helperPid > 0);
    const cg = helper.hello?.cgroup ?? 'none';
    // 120 children: the start comes from the clock around the clone (one tick is 10 ms, a clone
    // tens of µs, so a few straddle a tick and are read from /proc): every one must match.
    const kids: SpawnResult[] = [];
    for (let i = 0; i < 120; i++) kids.push(await spawn(`sf${i % 4}`, ['sleep', '60']));
    for (const [i, r] of kids.entries()) {
      assert.equal(r.execErrno, undefined, `spawn ${i} exec'd`);
      assert.equal(Number(statFields(r.pid)[19]), r.start, `start of ${r.pid} (spawn ${i}) as /proc/${r.pid}/stat says`);
      assert.equal(Number(statFields(r.pid)[3]), r.pid, `${r.pid} leads its own session`);
      if (cg.startsWith('v2:')) {
        const v2 = readFileSync(`/proc/${r.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!;
        assert.ok(v2.endsWith(`/job-sf${i % 4}`), `${r.pid} is in job-sf${i % 4}: ${v2}`);
      }
    }
    for (const r of kids) process.kill(r.pid, 'SIGKILL');
    for (const r of kids) await exitOf(r.pid);
  });

  test('a failure before exec still says where (a vforked child leaves it in memory it shares with the helper)', async () => {
    const noCmd = await spawn('sf-fail', ['/nonexistent/command']);
    assert.equal(noCmd.execErrno, 2);
    assert.equal(noCmd.stage, 'exec');
    const noDir = await spawn('sf-fail', ['true'], { cwd: join(dir, 'missing') });
    assert.equal(noDir.execErrno, 2);
    assert.equal(noDir.stage, 'chdir');
    assert.equal(noDir.path, join(dir, 'missing'));
    const noIn = await spawn('sf-fail', ['true'], { stdin: join(dir, 'missing-input') });
    assert.equal(noIn.stage, 'stdin');
    for (const r of [noCmd, noDir, noIn]) assert.equal((await exitOf(r.pid)).status, 127 << 8);
  });

  test('no signal the helper (or a pty job\'s keeper) ignores is ignored in a job', async () => {
    const plain = await spawn('sf-sig', ['cat', '/proc/self/status'], { stdout: `file:${join(dir, 'plain.txt')}` });
    await exitOf(plain.pid);
    assert.match(readFileSync(join(dir, 'plain.txt'), 'utf8'), /^SigIgn:\t0+$/m);
    const pty = await spawn('sf-sig-pty', ['cat', '/proc/self/status'], { tty: 'pty', stdout: `log:${join(dir, 'pty.log')}`, stderr: 'stdout' });
    await exitOf(pty.pid);
    await waitFor('the pty job\'s output in its log', () => /SigIgn:/.test(readFileSync(join(dir, 'pty.log'), 'utf8')));
    assert.match(readFileSync(join(dir, 'pty.log'), 'utf8'), /SigIgn:\t0+\r?$/m, 'SIGTTOU, which the keeper ignores, is not');
  });

  test('a restart loop under a ticket: each end has its kernel record before it and its restart after it', async () => {
    const first = await spawn('sf-loop', ['true'], { restartTicket: { budget: 40, any: true, ok: [0] } });
    const ends = await waitFor('41 ends (the first run and 40 restarts)', () => {
      const e = seen.filter((m): m is ExitEvent => m.ev === 'exit' && m.job === 'sf-loop' && m.leader === 1);
      return e.length >= 41 ? e : null;
    }, 30_000);
    assert.equal(ends[0].pid, first.pid);
    const kernel = helper.hello?.acct === 'taskstats';
    for (const [i, end] of ends.entries()) {
      const at = seen.indexOf(end);
      if (kernel) {
        const rec = seen.findIndex((m) => m.ev === 'taskstats' && m.pid === end.pid);
        assert.ok(rec >= 0 && rec < at, `the kernel record of ${end.pid} before its exit`);
      }
      assert.equal(end.respawned, i < 40 ? 1 : 0, `end ${i}: restarted under the ticket while its budget lasts`);
      if (i < 40) {
        const next = seen.findIndex((m, k) => k > at && m.ev === 'respawned' && m.job === 'sf-loop');
        assert.ok(next > at && (seen[next] as { pid: number }).pid === ends[i + 1].pid, `the restart after end ${i} is the next run`);
        assert.ok(seen.indexOf(ends[i + 1]) > next, `run ${i + 1} ends after its restart was announced`);
      }
    }
  });

  // The helper's pipes (a job's log files and cgroup stay open for its next start).
  const fdsOf = () => readdirSync(`/proc/${helper.helperPid}/fd`).map((f) => { try { return readlinkSync(`/proc/${helper.helperPid}/fd/${f}`); } catch { return ''; } })
    .filter((l) => l.startsWith('pipe:'));
  const backTo = (before: string[]) => waitFor(`the helper back to its ${before.length} pipes`, () => {
    const now = fdsOf();
    return now.length <= before.length ? true : null;
  }).catch((e: Error) => { throw new Error(`${e.message}; new: ${fdsOf().filter((f) => !before.includes(f)).join(' ')}`); });

  test('a ticket\'s restarts write to the pipe of the run before; each run\'s last line ends with it; the pipe goes when the restarts end', async () => {
    const before = fdsOf();
    const log = join(dir, 'keep.log');
    // Each run names the pipe it writes to and leaves an unfinished line.
    const first = await spawn('sf-keep', ['sh', '-c', 'echo "run $$ $(readlink /proc/$$/fd/1)"; printf "tail $$"'],
      { stdout: `log:${log}`, stderr: `log:${join(dir, 'keep.err')}`, restartTicket: { budget: 12, any: true, ok: [0] } });
    const ends = await waitFor('13 ends (the first run and 12 restarts)', () => {
      const e = seen.filter((m): m is ExitEvent => m.ev === 'exit' && m.job === 'sf-keep' && m.leader === 1);
      return e.length >= 13 ? e : null;
    }, 30_000);
    assert.equal(ends[0].pid, first.pid);
    assert.equal(ends[12].respawned, 0, 'the budget is spent');
    const lines = await waitFor('every run\'s two lines in the log', () => {
      const l = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      return l.length >= 26 ? l : null;
    });
    const pipes = new Set<string>();
    for (const end of ends) {
      const run = lines.find((l) => l.startsWith(`run ${end.pid} `));
      assert.ok(run, `run ${end.pid} logged its pipe`);
      pipes.add(run.split(' ')[2]);
      assert.ok(lines.includes(`tail ${end.pid}`), `the unfinished line of ${end.pid} is a line of its own`);
    }
    assert.equal(pipes.size, 1, `every run wrote to one pipe: ${[...pipes].join(', ')}`);
    // The last run was not restarted: the helper let its write ends go, the pumps saw EOF.
    await backTo(before);
  });

  test('a stop of a job whose restarts keep its pipes lets them go', async () => {
    const before = fdsOf();
    const r = await spawn('sf-keep-stop', ['sleep', '60'],
      { stdout: `log:${join(dir, 'keep-stop.log')}`, stderr: 'stdout', restartTicket: { budget: 5, any: true, ok: [0] } });
    helper.signalJob('sf-keep-stop', 15, true);
    const end = await exitOf(r.pid);
    assert.equal(end.respawned, 0, 'a stop is not restarted');
    await backTo(before);
  });

  test('a leader\'s end carries its ids and flags whether from /proc or from its kernel record', async () => {
    const r = await spawn('sf-ids', ['sleep', '60'], { user: 'nobody', cwd: '/' });
    assert.equal(r.execErrno, undefined, 'sleep runs as nobody');
    // The helper goes on as the child's exec drops its memory, just before it takes its new name.
    await waitFor('the child named after its program', () => readFileSync(`/proc/${r.pid}/comm`, 'utf8') === 'sleep\n' || null);
    const st = statFields(r.pid);
    const status = readFileSync(`/proc/${r.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]), gid = Number(/^Gid:\s+(\d+)/m.exec(status)![1]);
    process.kill(r.pid, 'SIGKILL');
    const end = await exitOf(r.pid);
    assert.deepEqual([end.comm, end.uid, end.gid, end.ppid, end.pgid, end.sid, end.start],
      ['sleep', uid, gid, helper.helperPid, r.pid, r.pid, r.start]);
    assert.equal(Number(st[2]), r.pid, 'the leader leads its group');
    assert.equal(end.kflags & 0x40, 0, 'it exec\'d (no PF_FORKNOEXEC)');
    if (helper.hello?.acct === 'taskstats') {
      const rec = seen.find((m) => m.ev === 'taskstats' && m.pid === r.pid);
      assert.ok(rec && seen.indexOf(rec) < seen.indexOf(end), 'the kernel record went first');
    }
    // One that never exec'd says so (PF_FORKNOEXEC), whichever way its ids came.
    const failed = await spawn('sf-ids', ['/nonexistent/command']);
    assert.equal((await exitOf(failed.pid)).kflags & 0x40, 0x40, 'forked, never exec\'d');
  });

  test('kernel records of processes their own parents reap: while the job runs, and all before its empty', async (t) => {
    if (helper.hello?.acct !== 'taskstats') { t.skip('no taskstats here (not root)'); return; }
    // During a restart loop's hold kernel records do not wake the helper (they come with its
    // reaps); after it they do again: this job runs after the ticket loops above.
    const r = await spawn('sf-kids', ['sh', '-c', '/bin/true; /bin/true; exec sleep 60']);
    const kids = await waitFor('the records of both /bin/true while the job still runs', () => {
      const k = seen.filter((m) => m.ev === 'taskstats' && m.job === 'sf-kids' && (m as { comm: string }).comm === 'true');
      return k.length >= 2 ? k : null;
    });
    assert.ok(kids.every((k) => (k as { leader: number }).leader === 0));
    const short = await spawn('sf-kids2', ['sh', '-c', 'for i in 1 2 3; do /bin/true; done']);
    const empty = await waitFor('the empty of sf-kids2', () => seen.find((m) => m.ev === 'empty' && (m as { job: string }).job === 'sf-kids2') ?? null);
    const recs = seen.filter((m) => m.ev === 'taskstats' && m.job === 'sf-kids2');
    assert.equal(recs.filter((m) => (m as { comm: string }).comm === 'true').length, 3, 'three records of true');
    assert.ok(recs.length === 4 && recs.every((m) => seen.indexOf(m) < seen.indexOf(empty)), 'every record (the leader\'s too) before the empty');
    assert.ok(seen.find((m) => m.ev === 'exit' && m.pid === short.pid));
    process.kill(r.pid, 'SIGKILL');
    await exitOf(r.pid);
  });

  test('a lone leader\'s end counts nothing alive; one that leaves an orphan has it adopted and counted', async () => {
    const lone = await spawn('sf-lone', ['true']);
    assert.equal((await exitOf(lone.pid)).alive, 0);
    const parent = await spawn('sf-orphan', ['sh', '-c', 'sleep 60 & echo $! > orphan.pid; exit 0']);
    const end = await exitOf(parent.pid);
    assert.equal(end.alive, 1, 'the orphan is alive when its parent\'s end is sent');
    const orphan = Number(readFileSync(join(dir, 'orphan.pid'), 'utf8'));
    const adopted = seen.find((m) => m.ev === 'adopted' && m.pid === orphan);
    assert.ok(adopted && seen.indexOf(adopted) < seen.indexOf(end), 'the orphan is adopted before its parent\'s end goes out');
    process.kill(orphan, 'SIGKILL');
    assert.equal((await exitOf(orphan)).job, 'sf-orphan');
  });
});

describe('the daemon handles the helper\'s events in groups', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-spawnfast-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('events a fast helper sends one by one arrive in order, in fewer batches, and none is lost at a close', async () => {
    const path = join(dir, 'fake.sock');
    const N = 200;
    // A helper that writes each event on its own, as a restart loop does, then goes away.
    const server = net.createServer((c) => {
      c.write('{"ev":"hello","pid":1,"epoch":"7","version":3,"acct":"wait4","cgroup":"none"}\n{"ev":"ready"}\n');
      let i = 1;
      const next = () => {
        if (i > N) { c.end(); return; }
        c.write(`{"seq":${i},"ev":"empty","job":"j${i}"}\n`);
        i++;
        setImmediate(next);
      };
      next();
    });
    await new Promise<void>((r) => server.listen(path, r));
    const helper = new Supervise(path, join(dir, 'x.pid'), join(dir, 'x.log'));
    const batches: HelperEvent[][] = [];
    helper.on('batch', (b: HelperEvent[]) => {
      batches.push(b);
      for (const m of b) helper.dispatch(m);
    });
    const closed = new Promise<number>((r) => helper.on('close', () => r(batches.flat().length)));
    await helper.connect();
    const atClose = await Promise.race([closed, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('no close within 10 s')), 10_000))]);
    server.close();
    const jobs = batches.flat().filter((m) => m.ev === 'empty').map((m) => (m as { job: string }).job);
    assert.equal(atClose, N + 2, 'every event was handled before the close was announced');
    assert.deepEqual(jobs, Array.from({ length: N }, (_, k) => `j${k + 1}`), 'in the order sent');
    assert.ok(batches.length < N, `grouped: ${batches.length} batches for ${N + 2} events`);
  });
});
