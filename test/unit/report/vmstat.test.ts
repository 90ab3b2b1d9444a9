// formatVmstat (procps-ng 4.0.2 layout) and formatIostat (sysstat's classic kB layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SNAP_A, SNAP_B } from './fixtures.js';
import { formatVmstat, VMSTAT_HEADER } from '../../../src/core/report/vmstat.js';
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

test('iostat: whole devices with I/O only (no partitions, no idle loop devices)', () => {
  assert.equal(formatIostat(null, SNAP_B, 0), [
    'Device:            tps    kB_read/s    kB_wrtn/s    kB_read    kB_wrtn',
    'sda               0.12         4.00         0.80     400500      80200',
    '',
  ].join('\n'));
  assert.equal(formatIostat(SNAP_A, SNAP_B, 1000), [
    'Device:            tps    kB_read/s    kB_wrtn/s    kB_read    kB_wrtn',
    'sda              60.00       500.00       200.00        500        200',
    '',
  ].join('\n'));
});
