// The monitor's pure parts with fabricated processes and a fixed clock (no daemon): job
// attribution, the pstree rearrangement, sampling maths, pruning, sa summaries, time arguments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseRecords } from '../../src/core/monitor/acct-summary.js';
import { attributeProcesses, jobForest, type JobRef } from '../../src/core/monitor/jobs.js';
import { sampleJobs } from '../../src/core/monitor/sampler.js';
import { formatPstree } from '../../src/cli/report/index.js';
import type { ProcInfo } from '../../src/os/proc/types.js';
import { openDb } from '../../src/store/db.js';
import { insertSamples, jobHistory, MONITOR_MIGRATIONS, PRUNE_EVERY } from '../../src/store/monitor.js';
import type { AcctRecord } from '../../src/store/records.js';
import { splitColumns } from '../../src/cli/monitor/ps.js';
import { parseTimeArg } from '../../src/core/time-arg.js';

function proc(pid: number, ppid: number, comm: string, more: Partial<ProcInfo> = {}): ProcInfo {
  return {
    pid, ppid, pgid: pid, sid: pid, ttyNr: 0, tpgid: -1, state: 'S', comm, cmdline: [comm], uid: 0, euid: 0, gid: 0, egid: 0,
    utime: 0, stime: 0, cutime: 0, cstime: 0, priority: 20, nice: 0, numThreads: 1, startTime: 1000, vsize: 4096 * 1024,
    rss: 256, shared: 100, flags: 0, policy: 0, wchan: '', locked: false, ...more,
  };
}

// helper 10 owns leaders 20 (%1, with child 21 and grandchild 22) and 30 (%2, ended), and the
// orphans 31 (adopted by %2) and 23 (of %1's session, not adopted yet); 40 is not appinit's.
const HELPER = 10;
const procs = [
  proc(1, 0, 'init'), proc(HELPER, 1, 'appinit-supervi'),
  proc(20, HELPER, 'sh'), proc(21, 20, 'sleep', { sid: 20 }), proc(22, 21, 'cat', { sid: 20 }), proc(23, HELPER, 'sleep', { sid: 20 }),
  proc(31, HELPER, 'sleep', { sid: 30 }), proc(40, 1, 'bash'),
];
const jobs: JobRef[] = [
  { job: 1, name: 'web', leader: 20, leaderStart: 1000, adopted: [] },
  { job: 2, name: 'batch', leader: null, leaderStart: null, adopted: [31] },
];

test('attribution: leaders, descendants by ppid, adopted orphans and session orphans; nothing else', () => {
  const owner = attributeProcesses(procs, jobs, HELPER);
  assert.deepEqual([...owner.entries()].sort((a, b) => a[0] - b[0]), [[20, 1], [21, 1], [22, 1], [23, 1], [31, 2]]);
});

test('attribution: a reused leader pid (other start time) is not the job', () => {
  const owner = attributeProcesses(procs, [{ job: 1, name: 'web', leader: 20, leaderStart: 999, adopted: [] }], HELPER);
  assert.equal(owner.size, 0);
});

test('pstree: orphans drawn under their job, marked; an ended leader becomes a %N node', () => {
  const f = jobForest(procs, jobs, HELPER);
  assert.equal(formatPstree(f.procs, HELPER, f.marks),
    'appinit-supervi-+-batch(%2)---sleep(adopted)\n'
    + '                `-sh(%1)-+-sleep---cat\n'
    + '                         `-sleep(adopted)\n');
  assert.equal(f.roots.get(1), 20);
  assert.equal(f.roots.get(2), -2);
  assert.equal(procs.find((p) => p.pid === 23)?.ppid, HELPER, 'the input is not changed');
});

test('sampling: tick deltas over the interval; first sightings by lifetime; zombies and gone pids skipped', () => {
  const t = { wallMs: 5e12, hz: 100, pageSize: 4096 };
  const table = new Map<number, ProcInfo>([
    [20, proc(20, 10, 'sh', { startTime: 0, utime: 500, stime: 500 })], // 10 s of cpu over 100 s of life
    [21, proc(21, 20, 'x', { state: 'Z' })],
  ]);
  const read = (pid: number): ProcInfo | null => table.get(pid) ?? null;
  const first = sampleJobs([{ id: 7, pids: [20, 21, 99] }], read, new Map(), { ...t, uptime: 100, prevUptime: null });
  assert.deepEqual(first.samples, [{ job: 7, at: 5e12, pids: 1, cpu: 10, rssKb: 1024, vszKb: 4096 }]);
  table.set(20, proc(20, 10, 'sh', { startTime: 0, utime: 550, stime: 500 })); // 50 ticks in 2 s: 25 %
  table.set(22, proc(22, 20, 'new', { startTime: 10050, utime: 20 })); // started during the interval: all 20 ticks
  const second = sampleJobs([{ id: 7, pids: [20, 22] }], read, first.marks, { ...t, uptime: 102, prevUptime: 100 });
  assert.equal(second.samples[0]?.cpu, 35);
  assert.equal(second.samples[0]?.pids, 2);
  assert.deepEqual(sampleJobs([{ id: 8, pids: [99] }], read, new Map(), { ...t, uptime: 1, prevUptime: null }).samples, [], 'no live pid, no sample');
});

test('history store: numbered per job, pruned to the last N (plus at most PRUNE_EVERY - 1)', () => {
  const db = openDb(':memory:', [{ name: 'monitor', migrations: MONITOR_MIGRATIONS }]);
  const seqs = new Map<number, number>();
  for (let i = 0; i < 200; i++) insertSamples(db, [{ job: 1, at: i, pids: 1, cpu: i, rssKb: 1, vszKb: 2 }, { job: 2, at: i, pids: 1, cpu: 0, rssKb: 1, vszKb: 2 }], seqs, 50);
  const all = jobHistory(db, 1, 1000);
  assert.ok(all.length >= 50 && all.length < 50 + PRUNE_EVERY, `kept ${all.length}`);
  assert.equal(all[all.length - 1]?.cpu, 199);
  assert.deepEqual(jobHistory(db, 1, 3).map((s) => s.at), [197, 198, 199], 'the last N, oldest first');
  db.close();
});

function rec(comm: string, more: Partial<AcctRecord> = {}): AcctRecord {
  return {
    pid: 1, ppid: 1, job: 1, program: 'p', command: comm, comm, uid: 0, gid: 0, start: 100, end: 103, utime: 1, stime: 0.5, maxrss: 1000,
    minflt: 0, majflt: 0, inblock: 8, oublock: 2, nvcsw: 0, nivcsw: 0, exitCode: 0, signal: null, core: false, flags: '', status: 0, note: null, ...more,
  };
}

test('sa summary: totals first, most CPU first; killed and cores counted; by user and program', () => {
  const records = [rec('sleep', { utime: 0, stime: 0, signal: 15 }), rec('cc'), rec('cc', { signal: 11, core: true, maxrss: 3000, program: 'q' }), rec('sleep', { utime: 0, stime: 0, uid: 1000 })];
  const rows = summariseRecords(records, 'command');
  assert.deepEqual(rows.map((r) => [r.key, r.calls, r.cpuSec, r.killed, r.cores]), [[null, 4, 3, 2, 1], ['cc', 2, 3, 1, 1], ['sleep', 2, 0, 1, 0]]);
  assert.equal(rows[1]?.avgMemKb, 2000);
  assert.equal(rows[1]?.avio, 10);
  assert.equal(rows[0]?.realSec, 12);
  const users = summariseRecords(records, 'user', (uid) => (uid === 0 ? 'root' : undefined));
  assert.deepEqual(users.map((r) => r.key), [null, 'root', '1000']);
  assert.deepEqual(summariseRecords(records, 'program').map((r) => r.key), [null, 'p', 'q']);
});

test('time arguments: ISO 8601, local dates and times, ages; anything else is refused', () => {
  const now = new Date(2026, 10, 22, 12, 0, 0).getTime();
  assert.equal(parseTimeArg('-1h', 'x', now), now / 1000 - 3600);
  assert.equal(parseTimeArg('30m', 'x', now), now / 1000 - 1800);
  assert.equal(parseTimeArg('2026-11-22', 'x', now), new Date(2026, 10, 22).getTime() / 1000);
  assert.equal(parseTimeArg('2026-11-22 10:30', 'x', now), new Date(2026, 10, 22, 10, 30).getTime() / 1000);
  assert.equal(parseTimeArg('2026-11-22T10:30:00Z', 'x', now), Date.UTC(2026, 10, 22, 10, 30) / 1000);
  assert.throws(() => parseTimeArg('2026-02-30', '--since', now), /--since: expected a time like/);
  assert.throws(() => parseTimeArg('yesterday', '--until', now), /--until: expected/);
});

test('ps -o: commas and blanks split columns everywhere, after = too (as Debian procps 4.0)', () => {
  assert.deepEqual(splitColumns(['pid,ppid', 'comm=Name']), ['pid', 'ppid', 'comm=Name']);
  assert.deepEqual(splitColumns(['pid=,comm=']), ['pid=', 'comm=']);
  assert.deepEqual(splitColumns(['pid=A,comm=B', 'stat etime']), ['pid=A', 'comm=B', 'stat', 'etime']);
  assert.deepEqual(splitColumns(['pid,,stat,']), ['pid', 'stat']);
});
