// formatVmstat, vmstat -s and -t (procps-ng 4.0.2 layout); iostat, sar -u (Debian sysstat 12.6 layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SNAP_A, SNAP_B } from './fixtures.js';
import { formatVmstat, formatVmstatCounters, vmstatTimestamp, vmstatTimestampHeader, VMSTAT_HEADER } from '../../../src/core/report/vmstat.js';
import { cpuPercent, iostatCpu, sarHeader, sarRow, sysstatBanner } from '../../../src/core/report/sysstat.js';
import { formatIostat } from '../../../src/core/report/iostat.js';

test('vmstat header and since-boot line: rates per cpu-second, as vmstat 4.0.2 divides', () => {
  assert.equal(formatVmstat(null, SNAP_B, 0, true), [
    'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----',
    ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st',
    ' 2  0  48576 1200000  20000 330000    0    0    36     9  445  801  9  2 89  0  0',
    '',
  ].join('\n'));
});

test('vmstat interval line: deltas per second, cpu split of the interval', () => {
  assert.equal(formatVmstat(SNAP_A, SNAP_B, 1000, false), ' 2  0  48576 1200000  20000 330000    0    0   400   800 1000 2500 25 10 60  3  2\n');
  // Over 2 s vmstat rounds half up: (delta + 1) / 2.
  assert.equal(formatVmstat(SNAP_A, SNAP_B, 2000, false), ' 2  0  48576 1200000  20000 330000    0    0   200   400  500 1250 25 10 60  3  2\n');
  assert.ok(VMSTAT_HEADER.endsWith(' wa st\n'));
});

test('vmstat: si/so are KiB (pages x 4) and a zero interval reads as idle', () => {
  const b = { ...SNAP_B, vm: { ...SNAP_B.vm, pswpin: 12, pswpout: 25 } };
  assert.equal(formatVmstat(SNAP_A, { ...b, stat: SNAP_A.stat }, 1000, false), ' 2  0  48576 1200000  20000 330000    8   20   400   800    0    0  0  0 100  0  0\n');
});

test('iostat -d: whole devices with I/O only (no partitions, no idle loop devices), sysstat 12.6 columns', () => {
  assert.equal(formatIostat(null, SNAP_B, 0), [
    'Device             tps    kB_read/s    kB_wrtn/s    kB_dscd/s    kB_read    kB_wrtn    kB_dscd',
    'sda               0.12         4.00         0.80         0.00     400500      80200          0',
    '',
    '',
  ].join('\n'));
  assert.equal(formatIostat(SNAP_A, SNAP_B, 1000), [
    'Device             tps    kB_read/s    kB_wrtn/s    kB_dscd/s    kB_read    kB_wrtn    kB_dscd',
    'sda              60.00       500.00       200.00         0.00        500        200          0',
    '',
    '',
  ].join('\n'));
  // Discards count as transfers and fill kB_dscd, as sysstat 12 does.
  const withDc = (s: typeof SNAP_B, n: number) => ({ ...s, disks: s.disks.map((d) => ({ ...d, discards: n, discardSectors: n * 8 })) });
  assert.match(formatIostat(withDc(SNAP_A, 10), withDc(SNAP_B, 20), 1000), /^sda              70\.00       500\.00       200\.00        40\.00        500        200         40$/m);
});

test('vmstat -s: procps 4.0.2 names and %13lu values; used = total - available, swap cache = Cached + SReclaimable', () => {
  const text = formatVmstatCounters({ ...SNAP_B, mem: { ...SNAP_B.mem, active: 300, inactive: 400 } });
  const lines = text.split('\n');
  assert.equal(lines.length, 29);
  assert.equal(lines[0], '      2000000 K total memory');
  assert.equal(lines[1], '       500000 K used memory');
  assert.equal(lines[2], '          300 K active memory');
  assert.equal(lines[6], '       330000 K swap cache');
  assert.equal(lines[10], `${String(SNAP_B.stat.total.user).padStart(13)} non-nice user cpu ticks`);
  assert.equal(lines[27], `${String(SNAP_B.stat.processes).padStart(13)} forks`);
});

test('vmstat -t: a timestamp column headed by the zone', () => {
  assert.equal(vmstatTimestampHeader('UTC').split('\n')[0], `${VMSTAT_HEADER.split('\n')[0]} -----timestamp-----`);
  assert.ok(vmstatTimestampHeader('UTC').split('\n')[1].endsWith(' st                 UTC'));
  assert.match(vmstatTimestamp(new Date(2026, 0, 2, 3, 4, 5)), /^ 2026-01-02 03:04:05$/);
});

test('sar -u and iostat -c: the CPU split as sysstat computes it (system includes interrupts; sar leaves guest out of user)', () => {
  const a = { user: 100, nice: 0, system: 50, idle: 800, iowait: 10, irq: 5, softirq: 5, steal: 30, guest: 0, guestNice: 0 };
  const b = { user: 200, nice: 0, system: 90, idle: 1600, iowait: 20, irq: 10, softirq: 10, steal: 70, guest: 50, guestNice: 0 };
  const sar = cpuPercent(a, b, true);
  assert.equal(sarHeader('12:16:07'), '12:16:07        CPU     %user     %nice   %system   %iowait    %steal     %idle\n');
  assert.equal(sarRow('12:16:09', sar), '12:16:09        all      5.00      0.00      5.00      1.00      4.00     80.00\n');
  assert.equal(sarRow('Average:', sar), 'Average:        all      5.00      0.00      5.00      1.00      4.00     80.00\n');
  assert.equal(iostatCpu(cpuPercent(a, b, false)), 'avg-cpu:  %user   %nice %system %iowait  %steal   %idle\n          10.00    0.00    5.00    1.00    4.00   80.00\n\n');
  assert.equal(sysstatBanner({ sysname: 'Linux', release: '6.1.0', nodename: 'vm', machine: 'x86_64' }, new Date(2026, 11, 1), 2), 'Linux 6.1.0 (vm) \t12/01/26 \t_x86_64_\t(2 CPU)\n');
});
