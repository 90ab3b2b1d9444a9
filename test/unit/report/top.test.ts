// formatTopBatch: procps-ng 4 `top -b` summary lines and task table from two fixed snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SNAP_A, SNAP_B, userName } from './fixtures.js';
import { formatTopBatch, uptimeText } from '../../../src/cli/report/top.js';
import { makeStr, scaleMem, scalePercent, scaleTics } from '../../../src/cli/report/top-scale.js';

test('top -b frame: summary, blank line, table sorted by %CPU', () => {
  assert.equal(formatTopBatch(SNAP_A, SNAP_B, 1000, { userName }), [
    'top - 12:00:00 up 1 day,  3:46,  1 user,  load average: 0.50, 0.25, 0.10',
    'Tasks:   7 total,   1 running,   5 sleeping,   0 stopped,   1 zombie',
    '%Cpu(s): 25.0 us, 10.0 sy,  0.0 ni, 60.0 id,  3.0 wa,  0.0 hi,  0.0 si,  2.0 st ',
    'MiB Mem :   1953.1 total,   1171.9 free,    488.3 used,    341.8 buff/cache     ',
    'MiB Swap:   1024.0 total,    976.6 free,     47.4 used.   1464.8 avail Mem ',
    '',
    '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
    ' 5000 systemd+  15  -5 1048576 102400  24000 R  60.0   5.1   1:00.00 node',
    '    1 root      20   0  166015  12000   8000 S   0.0   0.6   0:02.00 systemd',
    '    2 root      20   0       0      0      0 S   0.0   0.0   0:00.00 kthreadd',
    '   18 root      rt   0       0      0      0 S   0.0   0.0   0:00.00 migration+',
    ' 4242 alice     20   0    8789   5200   3200 S   0.0   0.3   0:00.50 bash',
    ' 4300 alice     25   5    4882   1000    920 S   0.0   0.1   0:00.00 sleep',
    ' 4301 alice     20   0       0      0      0 Z   0.0   0.0   0:00.00 sleep',
    '',
  ].join('\n'));
});

test('sort by memory, filter to a pid set, limit rows, wider screen', () => {
  const out = formatTopBatch(SNAP_A, SNAP_B, 1000, { userName, sort: 'mem', pids: new Set([1, 18, 4242]), maxRows: 2, width: 120 }).split('\n');
  assert.equal(out[1], 'Tasks:   7 total,   1 running,   5 sleeping,   0 stopped,   1 zombie');
  assert.deepEqual(out.slice(7), [
    '    1 root      20   0  166015  12000   8000 S   0.0   0.6   0:02.00 systemd',
    ' 4242 alice     20   0    8789   5200   3200 S   0.0   0.3   0:00.50 bash',
    '',
  ]);
  const wide = formatTopBatch(SNAP_A, SNAP_B, 1000, { pids: new Set([18]), width: 120 }).split('\n');
  assert.equal(wide[7], '   18 0         rt   0       0      0      0 S   0.0   0.0   0:00.00 migration/0');
});

test('%CPU is the tick delta over the interval; a new pid counts all its ticks (too wide: no decimal)', () => {
  const a = { ...SNAP_A, procs: SNAP_A.procs.filter((p) => p.pid !== 5000) };
  const line = formatTopBatch(a, SNAP_B, 2000, { pids: new Set([5000]) }).split('\n')[7];
  assert.equal(line, ' 5000 1001      15  -5 1048576 102400  24000 R  3000   5.1   1:00.00 node');
});

test('no cpu ticks between snapshots reads as idle, not NaN', () => {
  const out = formatTopBatch(SNAP_B, SNAP_B, 1000).split('\n');
  assert.equal(out[2], '%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st ');
});

test('uptime text as procps: minutes, hours, days', () => {
  assert.equal(uptimeText(420), '7 min, ');
  assert.equal(uptimeText(7260), ' 2:01, ');
  assert.equal(uptimeText(3 * 86400 + 7260), '3 days,  2:01, ');
  assert.equal(uptimeText(86400 + 60), '1 day, 1 min, ');
});

test('top cell scaling: KiB, then m/g with one decimal; percent; TIME+ steps', () => {
  assert.equal(scaleMem(9_999_999, 7), '9999999');
  assert.equal(scaleMem(10_485_760, 7), '  10.0g');
  assert.equal(scaleMem(1_500_000, 6), '  1.4g');
  assert.equal(scaleMem(150_000, 6), '150000');
  assert.equal(scaleMem(1_500_000, 7), '1500000');
  assert.equal(scalePercent(100, 5), '100.0');
  assert.equal(scalePercent(1234.5, 5), ' 1234');
  assert.equal(scaleTics(6000, 100, 9), '  1:00.00');
  assert.equal(scaleTics(36_000_000, 100, 9), '  6000:00');
  assert.equal(scaleTics(7_000_000_000, 100, 9), ' 19444,26');
  assert.equal(makeStr('process_api', 10, 'left', false), 'process_a+');
});
