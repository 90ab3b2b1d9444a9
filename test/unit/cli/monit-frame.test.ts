// monit's frame from fabricated snapshots: CPU over the interval per job (its whole tree, by the
// owner map), memory, and the log section.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobView, LogLine, SnapshotView } from '../../../src/client/index.js';
import { formatMonit, monitRows } from '../../../src/cli/monitor/monit-frame.js';

const proc = (pid: number, ticks: number, rssPages: number) => ({ pid, utime: ticks, stime: 0, rss: rssPages, vsize: 0, startTime: 100, state: 'S' });
const snap = (uptime: number, procs: ReturnType<typeof proc>[], owner: Record<string, number>): SnapshotView =>
  ({ snapshot: { wallMs: 0, uptime, procs }, owner, jobs: [], users: {}, hz: 100, pageSize: 4096, pidDigits: 5 }) as unknown as SnapshotView;
const view = (name: string, job: number, pid: number | null): JobView =>
  ({ name, job, pid, state: pid ? 'running' : 'stopped', suspended: false, uptime: pid ? 65 : null, restarts: 1, health: null, opening: null }) as unknown as JobView;

test('CPU is the tick delta of every process of the job over the interval; memory their RSS', () => {
  const prev = snap(1000, [proc(10, 500, 256), proc(11, 0, 256)], { 10: 1, 11: 1 });
  const cur = snap(1002, [proc(10, 600, 256), proc(11, 50, 512)], { 10: 1, 11: 1 });
  const rows = monitRows(prev, cur, [view('web', 1, 10), view('idle', 2, null)]);
  assert.deepEqual(rows.map((r) => [r.name, r.cpu, r.rssKb, r.pids]), [['web', 75, 3072, 2], ['idle', null, null, 0]]);
  const text = formatMonit(rows, new Map<string, LogLine[]>([
    ['web', [
      { name: 'web', stream: 'stdout', line: '2026-01-02T03:04:05.000Z ready', message: 'ready', time: null },
      { name: 'web', stream: 'stderr', line: 'oops', message: 'oops', time: null },
    ]],
  ]), 0, { logLines: 5 });
  assert.match(text, /^web +%1 +10 +running +75\.0 +3MB +2 +1 +1m5s$/m);
  assert.match(text, /^idle +%2 +- +stopped +- +- +0 +1 +-$/m);
  assert.match(text, /── web ──\n {2}ready\n {2}! oops\n/, 'a timestamp the line carries is not repeated; stderr is marked');
  assert.match(text, /── idle ──\n {2}\(no output yet\)/);
});

test('on a screen, log lines shrink to fit and lines are cut to the width', () => {
  const rows = monitRows(snap(1, [], {}), snap(2, [], {}), [view('a', 1, null), view('b', 2, null)]);
  const many = (n: string): LogLine[] => Array.from({ length: 10 }, (_, i) => ({ name: n, stream: 'stdout', line: `${n} ${'x'.repeat(100)} ${i}`, message: `${n} ${'x'.repeat(100)} ${i}`, time: null }));
  const text = formatMonit(rows, new Map([['a', many('a')], ['b', many('b')]]), 0, { logLines: 10, width: 40, height: 15 });
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length <= 15, `fits 15 rows, got ${lines.length}`);
  assert.ok(lines.every((l) => l.length < 40), 'cut to the width');
  assert.equal(lines.filter((l) => l.startsWith('  a ')).length, lines.filter((l) => l.startsWith('  b ')).length, 'each program gets the same room');
});
