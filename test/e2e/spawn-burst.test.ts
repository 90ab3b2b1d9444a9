// Spawns that reach the helper together (runs due at one second leave the daemon in one write,
// issue 17) are forked, not vforked, so that each child makes its way to exec on the other core
// while the helper forks the next. What must not change: every result is exact (pid, start time,
// session, cgroup, where a failure happened) and comes back in the order the requests were sent,
// and the spawned event of each goes out before any event of its program. A burst child shares
// the helper's descriptor table until it has its own few (native/fdshare.c): it must still get
// exactly its 0, 1 and 2, and the helper must keep no copy of them. The helper fills several blocks
// of slots in turn (one child per block at a time): a child keeps none of the other blocks, or one
// that waits in a blocking open would keep its siblings' pipe ends (and their EOF) till then.
// A burst child runs beside the helper in its memory (native/beside.c) while the helper reads and
// handles the next request into the same buffers: each child must exec with its own argv,
// environment and directory, not the next request's.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Supervise, type SpawnResult } from '../../src/os/supervise.js';
import { endHelper, waitFor, recordEvents, statFields } from './harness.js';

describe('a burst of spawns in one write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-burst-'));
  const mark = `APPINIT_TEST_MARK=${dir}`;
  const helper = new Supervise(join(dir, 'supervise.sock'), join(dir, 'supervise.pid'), join(dir, 'supervise.log'));
  const { seen, exitOf } = recordEvents(helper);
  after(() => endHelper(helper, dir, mark));

  before(async () => {
    await helper.connect();
    await waitFor('hello', () => helper.helperPid > 0);
  });

  test('40 spawns released together: exact results, in the order asked, failures where they happened', async () => {
    const cg = helper.hello?.cgroup ?? 'none';
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', APPINIT_TEST_MARK: dir };
    const order: number[] = [];
    const results: (SpawnResult | Error)[] = [];
    // Held, then released in one write: the helper reads them all in one turn (a burst).
    helper.hold(300);
    const n = 40;
    // Sleepers of three sorts: plain, with a stdin pipe, with limits (more descriptors to pass:
    // the stdin pipe's read end, v1 groups' cgroup.procs where v1 controllers are in use).
    const kind = (i: number) => (i % 10 === 3 ? 'no-command' : i % 10 === 7 ? 'no-dir' : i % 10 === 9 ? 'quick' : 'sleep');
    const sort = (i: number) => (i % 10 === 5 ? 'stdin-pipe' : i % 10 === 1 ? 'limited' : 'plain');
    for (let i = 0; i < n; i++) {
      const argv = kind(i) === 'no-command' ? ['/nonexistent/command'] : kind(i) === 'quick' ? ['sh', '-c', 'echo out; exit 3'] : ['sleep', `${600 + i}`];
      const cwd = kind(i) === 'no-dir' ? join(dir, 'missing') : dir;
      const extra = sort(i) === 'stdin-pipe' ? { stdin: 'pipe' } : sort(i) === 'limited' ? { limits: { pids: 100, memory: 256 * 1024 * 1024, cpu: 90 } } : {};
      helper.spawn({ job: `burst${i}`, argv, env: { ...env, BURST_I: String(i) }, cwd, stdout: `log:${join(dir, 'logs', `burst${i}`, 'out.log')}`, stderr: 'stdout', ...extra }, (r) => {
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
      assert.equal(readFileSync(`/proc/${r.pid}/cmdline`, 'utf8'), `sleep\0${600 + i}\0`, `spawn ${i}: its own argv`);
      const environ = readFileSync(`/proc/${r.pid}/environ`, 'utf8').split('\0');
      assert.ok(environ.includes(`BURST_I=${i}`) && environ.filter((e) => e.startsWith('BURST_I=')).length === 1, `spawn ${i}: its own environment (${environ.filter((e) => e.startsWith('BURST_I='))})`);
      assert.equal(readlinkSync(`/proc/${r.pid}/cwd`), dir, `spawn ${i}: its own directory`);
      if (cg.startsWith('v2:')) {
        const groups = readFileSync(`/proc/${r.pid}/cgroup`, 'utf8').split('\n');
        const v2 = groups.find((l) => l.startsWith('0::'))!;
        assert.ok(v2.endsWith(`/job-burst${i}`), `${r.pid} is in job-burst${i}: ${v2}`);
        // A v1 controller's group is joined by the child itself, through a descriptor it was given.
        for (const l of groups.filter((g) => /^\d+:(pids|memory|cpu\b[^:]*):/.test(g) && g.includes('/appinit-'))) {
          if (sort(i) === 'limited') assert.ok(l.endsWith(`/job-burst${i}`), `${r.pid} joined its v1 group: ${l}`);
        }
      }
      // Its descriptors are its 0, 1 and 2 and nothing of the helper's.
      const fds = readdirSync(`/proc/${r.pid}/fd`).sort();
      assert.deepEqual(fds, ['0', '1', '2'], `spawn ${i} (${r.pid}) holds only 0, 1 and 2`);
      const link = (fd: string) => readlinkSync(`/proc/${r.pid}/fd/${fd}`);
      if (sort(i) === 'stdin-pipe') assert.match(link('0'), /^pipe:/, `spawn ${i}: stdin from its pipe`);
      else assert.equal(link('0'), '/dev/null', `spawn ${i}: stdin from /dev/null`);
      assert.match(link('1'), /^pipe:/, `spawn ${i}: stdout to its log pipe`);
      assert.equal(link('2'), link('1'), `spawn ${i}: stderr to stdout`);
    }
    // The helper keeps no copy of a child's write end (the log pipe's EOF must come with the
    // child's end): of each sleeper's stdout pipe it holds the read end only.
    const hp = helper.helperPid;
    const helperFds = readdirSync(`/proc/${hp}/fd`).map((fd) => {
      try { return { to: readlinkSync(`/proc/${hp}/fd/${fd}`), flags: /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/${hp}/fdinfo/${fd}`, 'utf8'))![1] }; } catch { return null; }
    });
    for (let i = 0; i < n; i++) {
      if (kind(i) !== 'sleep') continue;
      const out = readlinkSync(`/proc/${(results[i] as SpawnResult).pid}/fd/1`);
      const ends = helperFds.filter((f) => f?.to === out);
      assert.equal(ends.length, 1, `spawn ${i}: the helper holds one end of ${out}`);
      assert.equal(Number.parseInt(ends[0]!.flags, 8) & 3, 0, `spawn ${i}: the helper's end of ${out} is the read end`);
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
  test('a child waiting in its open holds none of its siblings\' pipes', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', APPINIT_TEST_MARK: dir };
    const fifo = join(dir, 'no-writer');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const n = 16;
    const blocked = (i: number) => i % 5 === 4; // stdin from a FIFO nobody writes: waits in its open
    const results: (SpawnResult | Error)[] = [];
    let got = 0;
    const opening = (i: number) => seen.find((m) => m.ev === 'opening' && (m as { job: string }).job === `sib${i}`) as { pid: number } | undefined;
    const waiting = Array.from({ length: n }, (_, i) => i).filter(blocked);
    const hp = helper.helperPid;
    const childrenOfHelper = () => readFileSync(`/proc/${hp}/task/${hp}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    const before = new Set(childrenOfHelper()); // its fd holder
    try {
      helper.hold(300);
      for (let i = 0; i < n; i++) {
        helper.spawn({ job: `sib${i}`, argv: ['sleep', '60'], env, cwd: dir, stdout: `log:${join(dir, 'logs', `sib${i}`, 'out.log')}`, stderr: 'stdout', ...(blocked(i) ? { stdin: fifo } : {}) }, (r) => {
          results[i] = r;
          got++;
        });
      }
      // A waiting child that kept a sibling's exec-result pipe would hold that sibling's answer back too.
      await waitFor(`${n - waiting.length} sleepers' answers and ${waiting.length} children shown in their open`, () => got >= n - waiting.length && waiting.every((i) => opening(i)), 20_000);
      const pipeOf = (pid: number, fd: string) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return null; } };
      const siblingPipes = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const r = results[i];
        if (blocked(i) || !r || r instanceof Error) continue;
        const out = pipeOf(r.pid, '1');
        if (out) siblingPipes.set(out, i);
      }
      assert.equal(siblingPipes.size, n - waiting.length, 'every sleeper has its stdout pipe');
      for (const i of waiting) {
        const pid = opening(i)!.pid;
        assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) S /, `sib${i} (${pid}) waits (in its open)`);
        const held = readdirSync(`/proc/${pid}/fd`).map((fd) => pipeOf(pid, fd)).filter((l): l is string => l != null && siblingPipes.has(l));
        assert.deepEqual(held, [], `sib${i} (${pid}), waiting in its open, holds no sibling's pipe (${held.map((l) => `sib${siblingPipes.get(l)}`).join(', ')})`);
      }
    } finally {
      // Pass or fail, nothing stays: the waiting children have not exec'd (no mark to find them by).
      for (const pid of childrenOfHelper()) if (!before.has(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const i of waiting) await exitOf(opening(i)!.pid);
  });
});
