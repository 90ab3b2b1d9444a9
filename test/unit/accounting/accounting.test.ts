// Which helper events make records: with kernel records, exactly one per process whichever of
// its taskstats and its wait4 exit comes first; without them, wait4's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MODULES } from '../../../src/api/modules.js';
import { Accounting } from '../../../src/core/accounting/index.js';
import type { ExitEvent, HelloEvent, TaskstatsEvent } from '../../../src/os/helper-protocol.js';
import { bootTime } from '../../../src/os/host.js';
import { openDb } from '../../../src/store/db.js';
import { insertRecord } from '../../../src/store/records.js';

const HELPER = 100;
const hello = (acct: 'taskstats' | 'wait4'): HelloEvent => ({ ev: 'hello', pid: HELPER, epoch: '1', version: 1, cgroup: null, acct });
const START_TICKS = 5000; // 50 s after boot
const startEpoch = () => bootTime() + START_TICKS / 100;

function exit(pid: number, over: Partial<ExitEvent> = {}): ExitEvent {
  return {
    ev: 'exit', seq: 1, respawned: 0, pid, job: '1', leader: 1, adopted: 0, status: 0, start: START_TICKS, end_us: (startEpoch() + 1) * 1e6,
    ppid: HELPER, pgid: pid, sid: pid, uid: 0, gid: 0, kflags: 0, comm: 'sh', utime_us: 30_000, stime_us: 0, maxrss: 1000, minflt: 0,
    majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0, ...over,
  };
}

function taskstats(pid: number, over: Partial<TaskstatsEvent> = {}): TaskstatsEvent {
  const end = (startEpoch() + 1) * 1e6;
  return {
    ev: 'taskstats', seq: 1, pid, ppid: HELPER, job: '1', leader: 1, threads: 1, uid: 0, gid: 0, comm: 'sh', status: 0x300, acflag: 0x10,
    tty: 0, nice: 0, btime: Math.floor(startEpoch()), etime_us: 1_000_000, end_us: end, utime_us: 10_000, stime_us: 0, minflt: 1,
    majflt: 0, coremem: 2, virtmem: 4, hiwater_rss: 900, hiwater_vm: 3000, rchar: 4096, wchar: 1024, syscr: 0, syscw: 0,
    read_bytes: 0, write_bytes: 0, cancelled_write_bytes: 0, nvcsw: 1, nivcsw: 0, ...over,
  };
}

function setup(acct: 'taskstats' | 'wait4') {
  const db = openDb(':memory:', MODULES);
  const a = new Accounting(db, () => hello(acct));
  const feed = (msgs: (ExitEvent | TaskstatsEvent)[]) => msgs.map((m) => a.recordOf(m, null)).filter((r) => r != null).map((r) => {
    insertRecord(db, r);
    return `${r.pid}:${r.source}`;
  });
  return { a, feed, db };
}

describe('accounting records', () => {
  test('without taskstats, every reaped process has its wait4 record', () => {
    const { a, feed } = setup('wait4');
    assert.equal(a.source, 'wait4');
    assert.deepEqual(feed([exit(7), exit(8, { leader: 0 })]), ['7:wait4', '8:wait4']);
  });

  test('with taskstats, one record per process: kernel records, the wait4 exit of the same process dropped', () => {
    const { a, feed } = setup('taskstats');
    assert.equal(a.source, 'taskstats');
    // 9 was reaped by its parent (no exit event); 7 by the helper.
    assert.deepEqual(feed([taskstats(9, { leader: 0, ppid: 7 }), taskstats(7), exit(7)]), ['9:taskstats', '7:taskstats']);
  });

  test('an exit whose kernel record is late keeps the wait4 record, and the late one is not added', () => {
    const { feed } = setup('taskstats');
    assert.deepEqual(feed([exit(7), taskstats(7)]), ['7:wait4']);
    // A later process that reuses the pid is recorded again.
    assert.deepEqual(feed([taskstats(7, { end_us: (startEpoch() + 100) * 1e6 })]), ['7:taskstats']);
  });

  test('an exit the kernel did not report (not followed) is recorded from wait4', () => {
    const { feed } = setup('taskstats');
    assert.deepEqual(feed([exit(11, { leader: 0, adopted: 1 })]), ['11:wait4']);
  });

  test('after a daemon restart, a stored kernel record stands for the exit replayed alone', () => {
    const { feed, db } = setup('taskstats');
    feed([taskstats(7)]);
    const fresh = new Accounting(db, () => hello('taskstats'));
    assert.equal(fresh.recordOf(exit(7), null), null);
  });

  test('a kernel record has the process\'s own figures and the seed\'s flags', () => {
    const { a } = setup('taskstats');
    const r = a.recordOf(taskstats(7, { acflag: 0x19, status: 0x86, tty: (136 << 8) | 2, coremem: 20_000, hiwater_rss: 4096 }), null)!;
    assert.equal(r.flags, 'FDX');
    assert.equal(r.signal, 6);
    assert.equal(r.core, true);
    assert.equal(r.elapsed, 1);
    assert.equal(r.utime, 0.01);
    assert.equal(r.tty, (136 << 8) | 2);
    assert.equal(r.avgmem, 2048, 'coremem 20000 MB·µs over 10 ms of CPU: 2 MB');
    assert.equal(r.job, 1, 'attributed to its job even when the job is forgotten');
  });

  test('an average memory lies between 0 and the peak: none integrated (ended within a tick) or above the peak reads as the peak', () => {
    const { a } = setup('taskstats');
    const none = a.recordOf(taskstats(8, { coremem: 0, hiwater_rss: 1628 }), null)!;
    assert.equal(none.avgmem, 1628);
    const above = a.recordOf(taskstats(9, { coremem: 20_000, hiwater_rss: 972 }), null)!;
    assert.equal(above.avgmem, 972);
  });
});
