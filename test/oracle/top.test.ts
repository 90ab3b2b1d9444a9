// Differential test against procps-ng's top -b for processes this test starts (sleepers, one
// niced, one multi-threaded node): `appinit top`'s frame must print the same task rows and
// the same summary shape. Rows of idle processes are exact;
// lines that carry the moment (clock, load, free memory) are compared by shape.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pidDigits, readSystemSnapshot, userName, readProcess } from '../../src/os/proc/index.js';
import { PRIME_MS, topFrame } from '../../src/cli/monitor/top.js';
import type { SnapshotView } from '../../src/client/index.js';

const hasTop = spawnSync('top', ['-v'], { encoding: 'utf8' }).error === undefined;
const kids: ChildProcess[] = [];

before(async () => {
  if (!hasTop) return;
  kids.push(spawn('sleep', ['60'], { stdio: 'ignore' }));
  kids.push(spawn('nice', ['-n', '7', 'sleep', '61'], { stdio: 'ignore' }));
  kids.push(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }));
  const deadline = Date.now() + 20_000;
  // Wait until each has exec'd and the node child has settled (its RES moves while it starts).
  while (kids.some((k) => { const p = k.pid ? readProcess(k.pid) : null; return p === null || p.comm === 'nice' || p.cmdline.length === 0; })) {
    if (Date.now() > deadline) throw new Error('children did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 500));
});

after(() => {
  for (const k of kids) k.kill('SIGKILL');
});

function view(): SnapshotView {
  const snapshot = readSystemSnapshot();
  const users: Record<string, string> = {};
  for (const p of snapshot.procs) users[String(p.euid)] = userName(p.euid) ?? String(p.euid);
  return { snapshot, jobs: [], owner: {}, users, hz: 100, pageSize: 4096, pidDigits: pidDigits() };
}

test('top -b -n 1 -p: the same rows for the same idle processes, the same summary shape', { skip: !hasTop }, async () => {
  const pids = kids.map((k) => k.pid as number);
  const a = view();
  await new Promise((r) => setTimeout(r, PRIME_MS));
  const ours = topFrame(a, view(), { pids: new Set(pids), sort: 'pid' }).trimEnd().split('\n');
  const real = spawnSync('top', ['-b', '-n', '1', '-p', pids.join(','), '-o', 'PID'], { encoding: 'utf8' }).stdout.trimEnd().split('\n');
  assert.equal(ours.length, real.length, `ours:\n${ours.join('\n')}\ntop:\n${real.join('\n')}`);
  assert.equal(ours[6], real[6], 'header');
  const shape = (l: string): string => l.replace(/ *\d+(\.\d+)?/g, ' 9').replace(/ +/g, ' ');
  for (let i = 0; i < 6; i++) assert.equal(shape(ours[i] as string), shape(real[i] as string), `summary line ${i + 1}`);
  // Same rows, ascending pid on both sides (top -o PID sorts descending; so do we with 'pid').
  for (let i = 7; i < real.length; i++) {
    const o = (ours[i] as string).trim().split(/\s+/);
    const r = (real[i] as string).trim().split(/\s+/);
    // %CPU of an idle process since boot rounds to 0.0 on both sides; TIME+ may tick by 1/100 s for node.
    assert.deepEqual([...o.slice(0, 10), o[11]], [...r.slice(0, 10), r[11]], `row ${i}\nours: ${ours[i]}\ntop:  ${real[i]}`);
  }
});
