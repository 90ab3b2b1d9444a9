// Goal: a full `ps -e` snapshot from Node is at least as fast as procps' ps.
// Starts 1,000 `sleep` processes, then times N snapshots of readAllProcesses() + formatPs
// against spawnSync('ps', ['-e']) and prints ms each and the ratio. Every sleep is killed at
// the end, even on error.
// Usage: node dist/bench/ps.js [snapshots=20] [sleepers=1000]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  pidDigits, readAllProcesses, readCpuStat, readMeminfo, readUptime, userName, type ReadOptions,
} from '../src/os/proc/index.js';
import { formatPs, psReadNeeds } from '../src/cli/report/ps.js';

function startSleepers(n: number): ChildProcess[] {
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const kid = spawn('sleep', ['600'], { stdio: 'ignore' });
    kid.on('error', (e) => console.error(`sleep ${i}: ${e.message}`)); // EAGAIN must not crash the cleanup
    kids.push(kid);
  }
  return kids;
}

function killAll(kids: readonly ChildProcess[]): void {
  for (const k of kids) {
    if (k.pid !== undefined && k.exitCode === null && k.signalCode === null) {
      try {
        process.kill(k.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function ours(opts: ReadOptions): string {
  const procs = readAllProcesses(opts);
  const sys = { uptime: readUptime().uptime, btime: readCpuStat().btime, memTotalKb: readMeminfo().memTotal, nowMs: Date.now(), pidDigits: pidDigits() };
  return formatPs(procs, { sys, userName });
}

function time(label: string, n: number, fn: () => string): { ms: number; lines: number } {
  let lines = 0;
  fn(); // warm up caches and the JIT once
  const t0 = performance.now();
  for (let i = 0; i < n; i++) lines = fn().split('\n').length - 2;
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(50)} ${ms.toFixed(1).padStart(7)} ms   (${lines} processes)`);
  return { ms, lines };
}

function main(): void {
  const snapshots = Number(process.argv[2] ?? 20);
  const sleepers = Number(process.argv[3] ?? 1000);
  const kids = startSleepers(sleepers);
  const cleanup = (): void => killAll(kids);
  process.on('exit', cleanup);
  try {
    // Wait until every sleep has exec'd, so both sides see the same process table.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && kids.some((k) => k.pid === undefined)) spawnSync('sleep', ['0.05']);
    spawnSync('sleep', ['0.5']);
    console.log(`${sleepers} sleepers started; ${snapshots} snapshots each`);
    // psReadNeeds: plain `ps -e` shows comm, so only stat + status are read (procps reads 5 files).
    const lean = time('readAllProcesses(psReadNeeds) + formatPs', snapshots, () => ours(psReadNeeds({})));
    const full = time('readAllProcesses() + formatPs (+cmdline, wchan)', snapshots, () => ours({}));
    const ps = time('ps -e (procps 4, spawnSync)', snapshots, () => spawnSync('ps', ['-e'], { encoding: 'utf8' }).stdout);
    console.log(`ratio ps / ours: ${(ps.ms / lean.ms).toFixed(2)}x (files ps -e needs), ${(ps.ms / full.ms).toFixed(2)}x (every file); > 1 means we are faster`);
  } finally {
    cleanup();
  }
}

main();
