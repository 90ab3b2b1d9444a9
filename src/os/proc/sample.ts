// What the job sampler reads of each process every tick, at the least cost: /proc/PID/stat
// (state, CPU ticks, start time, threads) and /proc/PID/statm (sizes: its resident count is the
// exact one status's VmRSS shows; stat's rss field is the kernel's per-cpu estimate, 25% low for
// a small process here), not the 1.5 KB of status; and a job's descendants through
// /proc/PID/task/PID/children without listing task/ when the process has one thread (most do).
// The files stay open between ticks (KeptFiles: one pread each instead of open + read + close)
// and their numbers are parsed from the bytes, without making strings.
import { readdirSync } from 'node:fs';
import { KeptFiles } from './kept-files.js';
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

// Without a KeptFiles of the caller's, every read opens, reads and closes (limit 0).
const unkept = new KeptFiles(0);

const SPACE = 0x20;
const ZERO = 0x30;

// The decimal number at buf[at..] (digits only; a /proc number field here is never negative).
function numberAt(buf: Buffer, at: number, end: number): number {
  let v = 0;
  for (let i = at; i < end; i++) {
    const c = buf[i] - ZERO;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  return v;
}

// The index after the next space at or after `at`, or -1.
function nextField(buf: Buffer, at: number, end: number): number {
  for (let i = at; i < end; i++) if (buf[i] === SPACE) return i + 1;
  return -1;
}

// Made with `new`, not an object literal: V8 tracks each literal's allocation site and, once a
// scavenge sees its objects survive (a tick keeps 500 of them), switches the site to old-space
// allocation and throws away the optimized code that inlined it; the sampler's hottest function
// was compiled twice in the daemon's first ticks for that (~30 ms of compiler time each).
class Sample implements ProcSample {
  constructor(
    readonly state: string, readonly utime: number, readonly stime: number, readonly numThreads: number,
    readonly startTime: number, readonly vsize: number, readonly rss: number,
  ) {}
}

// The index of field `want` (counted from 3, the state) given the index `at` of field `field`.
function fieldAt(buf: Buffer, at: number, field: number, want: number, n: number): number {
  for (; field < want && at >= 0; field++) at = nextField(buf, at, n);
  return at;
}

/** Reads /proc/PID/stat and statm into a ProcSample; null when the process is gone. */
export function readProcSample(pid: number, files: KeptFiles = unkept): ProcSample | null {
  const st = files.read(`/proc/${pid}/stat`);
  if (st === null) return null;
  let { buf, n } = st;
  // The command may hold spaces and ')': fields start after the LAST ')'.
  let close = n - 1;
  while (close >= 0 && buf[close] !== 0x29) close--;
  if (close < 0 || close + 2 >= n) return null;
  // Field 3 (state) starts at close + 2; field N is the (N-3)th space-separated word from there.
  let at = close + 2;
  const state = String.fromCharCode(buf[at]);
  if ((at = fieldAt(buf, at, 3, 14, n)) < 0) return null;
  const utime = numberAt(buf, at, n);
  if ((at = fieldAt(buf, at, 14, 15, n)) < 0) return null;
  const stime = numberAt(buf, at, n);
  if ((at = fieldAt(buf, at, 15, 20, n)) < 0) return null;
  const numThreads = numberAt(buf, at, n);
  if ((at = fieldAt(buf, at, 20, 22, n)) < 0) return null;
  const startTime = numberAt(buf, at, n);
  // statm: size resident shared text lib data dt, in pages.
  const sm = files.read(`/proc/${pid}/statm`);
  if (sm === null) return null;
  ({ buf, n } = sm);
  const second = nextField(buf, 0, n);
  if (second < 0) return null;
  return new Sample(state, utime, stime, numThreads, startTime, numberAt(buf, 0, n) * pageSize(), numberAt(buf, second, n));
}

// Appends the pids listed in a children file ("12 345 ") to queue.
function pushChildren(files: KeptFiles, path: string, queue: number[]): void {
  const r = files.read(path);
  if (r === null) return;
  const { buf, n } = r;
  let at = 0;
  while (at < n) {
    while (at < n && buf[at] === SPACE) at++;
    if (at >= n) break;
    const v = numberAt(buf, at, n);
    if (v > 0) queue.push(v);
    at = nextField(buf, at, n);
    if (at < 0) break;
  }
}

/**
 * The pids and every live descendant of them, each once, parents before children (as
 * withDescendants), reading each one's stat once into `read` (pid -> sample, null if gone), so
 * that the caller's per-process reads of the same tick are answered from it.
 */
export function descendantsSampled(pids: Iterable<number>, read: Map<number, ProcSample | null>, files: KeptFiles = unkept): number[] {
  const seen = new Set<number>();
  const queue = [...pids];
  for (let i = 0; i < queue.length; i++) {
    const pid = queue[i];
    if (seen.has(pid)) continue;
    seen.add(pid);
    let s = read.get(pid);
    if (s === undefined) read.set(pid, (s = readProcSample(pid, files)));
    if (s === null) continue; // gone
    if (s.numThreads === 1) {
      pushChildren(files, `/proc/${pid}/task/${pid}/children`, queue);
      continue;
    }
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) pushChildren(files, `/proc/${pid}/task/${tid}/children`, queue);
  }
  return [...seen];
}
