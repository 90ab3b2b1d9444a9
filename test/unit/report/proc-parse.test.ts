// The pure /proc parsers in src/os/proc (the reads themselves are covered by the oracle test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStat, parseStatm, parseStatus } from '../../../src/os/proc/parse-process.js';
import {
  countUtmpUsers, parseCpuStat, parseDiskstats, parseLoadavg, parseMeminfo, parsePasswd, parseUptime, parseVmCounters, UTMP_RECORD_SIZE,
} from '../../../src/os/proc/parse-system.js';

const STAT = '4242 (a) b) (c) S 1 4242 4242 34816 4300 4194560 100 0 0 0 30 20 1 2 20 0 1 0 9640000 9000000 300 18446744073709551615 1 1 0 0 0 0 65536 4 65538 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

test('stat: comm with spaces and parentheses is cut at the last )', () => {
  const s = parseStat(STAT);
  assert.ok(s);
  assert.equal(s.comm, 'a) b) (c');
  assert.deepEqual([s.pid, s.state, s.ppid, s.pgid, s.sid, s.ttyNr, s.tpgid, s.flags], [4242, 'S', 1, 4242, 4242, 34816, 4300, 4194560]);
  assert.deepEqual([s.utime, s.stime, s.cutime, s.cstime, s.priority, s.nice, s.numThreads], [30, 20, 1, 2, 20, 0, 1]);
  assert.deepEqual([s.startTime, s.vsize, s.rssStat, s.policy], [9640000, 9000000, 300, 0]);
  assert.equal(parseStat('garbage'), null);
  assert.equal(parseStat('1 (x) S 1 2'), null);
});

test('status: ids, VmLck and the resident counters; kernel threads have none', () => {
  const text = 'Name:\tbash\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t101\t100\t100\nVmLck:\t       4 kB\nVmRSS:\t    5200 kB\nRssAnon:\t 2000 kB\nRssFile:\t    3000 kB\nRssShmem:\t     200 kB\n';
  assert.deepEqual(parseStatus(text), { uid: 1000, euid: 1001, gid: 100, egid: 101, vmLckKb: 4, vmRssKb: 5200, rssFileKb: 3000, rssShmemKb: 200 });
  assert.deepEqual(parseStatus('Name:\tkthreadd\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n'), { uid: 0, euid: 0, gid: 0, egid: 0, vmLckKb: 0, vmRssKb: 0, rssFileKb: 0, rssShmemKb: 0 });
  assert.deepEqual(parseStatm('10450 3172 1617 1327 0 8608 0\n'), { size: 10450, resident: 3172, shared: 1617 });
});

test('uptime, loadavg, meminfo', () => {
  assert.deepEqual(parseUptime('628.64 1039.86\n'), { uptime: 628.64, idle: 1039.86 });
  assert.deepEqual(parseLoadavg('0.15 0.30 0.16 2/120 4481\n'), { one: 0.15, five: 0.3, fifteen: 0.16, running: 2, total: 120, lastPid: 4481 });
  const m = parseMeminfo('MemTotal:       24683724 kB\nMemFree:        24503204 kB\nMemAvailable:   24000000 kB\nBuffers:             584 kB\nCached:            36864 kB\nSwapCached:            0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nSReclaimable:      69592 kB\n');
  assert.deepEqual(m, { memTotal: 24683724, memFree: 24503204, memAvailable: 24000000, buffers: 584, cached: 36864, sReclaimable: 69592, swapTotal: 0, swapFree: 0 });
});

test('/proc/stat: cpu lines and counters', () => {
  const s = parseCpuStat('cpu  17758 0 2674 103986 380 0 117 536 0 0\ncpu0 9000 0 1300 52000 190 0 60 270 0 0\ncpu1 8758 0 1374 51986 190 0 57 266 0 0\nintr 221927 0 0 1\nctxt 351411\nbtime 1795311777\nprocesses 8635\nprocs_running 1\nprocs_blocked 0\nsoftirq 1 2 3\n');
  assert.deepEqual(s.total, { user: 17758, nice: 0, system: 2674, idle: 103986, iowait: 380, irq: 0, softirq: 117, steal: 536, guest: 0, guestNice: 0 });
  assert.equal(s.cpus.length, 2);
  assert.deepEqual([s.intr, s.ctxt, s.btime, s.processes, s.procsRunning, s.procsBlocked], [221927, 351411, 1795311777, 8635, 1, 0]);
});

test('diskstats and vmstat counters', () => {
  const d = parseDiskstats(' 254       0 vda 46075 10480 3299506 23468 5479 10114 686032 2040 0 6648 25910 4489 66 159472 364 672 37\n 254       1 vda1 100 0 800 1 0 0 0 0 0 1 1\n', (n) => n === 'vda');
  assert.equal(d.length, 2);
  assert.deepEqual([d[0]?.name, d[0]?.reads, d[0]?.readSectors, d[0]?.writes, d[0]?.writeSectors, d[0]?.whole], ['vda', 46075, 3299506, 5479, 686032, true]);
  assert.equal(d[1]?.whole, false);
  assert.deepEqual(parseVmCounters('nr_free_pages 1\npgpgin 1649705\npgpgout 343016\npswpin 3\npswpout 4\n'), { pgpgin: 1649705, pgpgout: 343016, pswpin: 3, pswpout: 4 });
});

test('utmp: counts USER_PROCESS records that carry a name', () => {
  const buf = Buffer.alloc(UTMP_RECORD_SIZE * 4);
  buf.writeInt16LE(2, 0); // BOOT_TIME
  buf.writeInt16LE(7, UTMP_RECORD_SIZE);
  buf.write('alice', UTMP_RECORD_SIZE + 44);
  buf.writeInt16LE(7, UTMP_RECORD_SIZE * 2); // no name: not counted
  buf.writeInt16LE(7, UTMP_RECORD_SIZE * 3);
  buf.write('bob', UTMP_RECORD_SIZE * 3 + 44);
  assert.equal(countUtmpUsers(buf), 2);
  assert.equal(countUtmpUsers(Buffer.alloc(10)), 0);
});

test('passwd: first entry per uid wins, comments and junk skipped', () => {
  const m = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\ntoor:x:0:0::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\nbroken\n');
  assert.deepEqual([...m], [[0, 'root'], [1000, 'alice']]);
});
