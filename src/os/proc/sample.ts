// What the job sampler reads of each process every tick, at the least cost: /proc/PID/stat
// (state, CPU ticks, start time, threads) and /proc/PID/statm (sizes: its resident count is the
// exact one status's VmRSS shows; stat's rss field is the kernel's per-cpu estimate, 25% low for
// a small process here), not the 1.5 KB of status; and a job's descendants through
// /proc/PID/task/PID/children without listing task/ when the process has one thread (most do).
// With 500 jobs the daemon makes ~9 syscalls per process and tick instead of ~14, and the tick
// costs about half the CPU (bench/scale.ts: idle CPU against supervisord).
import { readdirSync } from 'node:fs';
import { readText } from './read-file.js';
import { pageSize } from './system.js';

/** The fields of a process the sampler uses (vsize in bytes, rss in pages, as ProcInfo). */
export interface ProcSample {
  state: string;
  utime: number;
  stime: number;
  startTime: number;
  vsize: number;
  rss: number;
  numThreads: number;
}

/** Reads /proc/PID/stat into a ProcSample; null when the process is gone. */
export function readProcSample(pid: number): ProcSample | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // Fields after the command: field 3 (state) starts at close + 2; field N is the (N-3)th
  // space-separated word from there.
  let at = close + 2;
  const state = text[at] ?? '?';
  const want = [14, 15, 20, 22];
  const got: number[] = [];
  let field = 3;
  for (const n of want) {
    while (field < n) {
      const sp = text.indexOf(' ', at);
      if (sp < 0) return null;
      at = sp + 1;
      field++;
    }
    const sp = text.indexOf(' ', at);
    got.push(Number(text.slice(at, sp < 0 ? undefined : sp)));
  }
  // statm: size resident shared text lib data dt, in pages.
  const statm = readText(`/proc/${pid}/statm`);
  if (statm === null) return null;
  const sp1 = statm.indexOf(' ');
  const sp2 = statm.indexOf(' ', sp1 + 1);
  if (sp1 < 0 || sp2 < 0) return null;
  return {
    state, utime: got[0], stime: got[1], numThreads: got[2], startTime: got[3],
    vsize: Number(statm.slice(0, sp1)) * pageSize(), rss: Number(statm.slice(sp1 + 1, sp2)),
  };
}

/**
 * The pids and every live descendant of them, each once, parents before children (as
 * withDescendants), reading each one's stat once into `read` (pid -> sample, null if gone), so
 * that the caller's per-process reads of the same tick are answered from it.
 */
export function descendantsSampled(pids: Iterable<number>, read: Map<number, ProcSample | null>): number[] {
  const seen = new Set<number>();
  const queue = [...pids];
  for (let i = 0; i < queue.length; i++) {
    const pid = queue[i];
    if (seen.has(pid)) continue;
    seen.add(pid);
    let s = read.get(pid);
    if (s === undefined) read.set(pid, (s = readProcSample(pid)));
    if (s === null) continue; // gone
    let tids: string[];
    if (s.numThreads === 1) tids = [String(pid)];
    else {
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
    }
    for (const tid of tids) {
      const text = readText(`/proc/${pid}/task/${tid}/children`);
      if (!text) continue;
      for (const c of text.split(' ')) if (c.trim() !== '') queue.push(Number(c));
    }
  }
  return [...seen];
}
