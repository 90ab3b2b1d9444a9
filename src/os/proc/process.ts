// Per-process reads. A process may exit between any two reads: every step returns null
// (or skips the pid) rather than throwing, and never mixes data from a reused pid.
import { readdirSync } from 'node:fs';
import { readNulList, readText } from './read-file.js';
import { parseStat, parseStatus } from './parse-process.js';
import { pageSize } from './system.js';
import type { ProcInfo, ThreadInfo } from './types.js';

/** What to read beyond stat + status; each extra file costs about as much as stat. */
export interface ReadOptions {
  /** /proc/PID/cmdline (default true). */
  cmdline?: boolean;
  /** /proc/PID/wchan (default true; only ps -l / -o wchan show it). */
  wchan?: boolean;
  /** /proc/PID/task/* names for pstree (default false). */
  threads?: boolean;
}

/** Reads one process; null if it does not exist or vanished mid-read. */
export function readProcess(pid: number, opts: ReadOptions = {}): ProcInfo | null {
  const base = `/proc/${pid}`;
  const statText = readText(`${base}/stat`);
  if (statText === null) return null;
  const st = parseStat(statText);
  if (st === null) return null;
  // status supplies ids, VmLck and the exact resident counters (RssFile + RssShmem is what
  // statm calls shared), so statm itself need not be read.
  const statusText = readText(`${base}/status`);
  if (statusText === null) return null;
  const ss = parseStatus(statusText);
  const page = pageSize();
  const info: ProcInfo = {
    pid: st.pid,
    ppid: st.ppid,
    pgid: st.pgid,
    sid: st.sid,
    ttyNr: st.ttyNr,
    tpgid: st.tpgid,
    state: st.state,
    comm: st.comm,
    cmdline: [],
    uid: ss.uid,
    euid: ss.euid,
    gid: ss.gid,
    egid: ss.egid,
    utime: st.utime,
    stime: st.stime,
    cutime: st.cutime,
    cstime: st.cstime,
    priority: st.priority,
    nice: st.nice,
    numThreads: st.numThreads,
    startTime: st.startTime,
    vsize: st.vsize,
    rss: Math.floor((ss.vmRssKb * 1024) / page),
    shared: Math.floor(((ss.rssFileKb + ss.rssShmemKb) * 1024) / page),
    flags: st.flags,
    policy: st.policy,
    wchan: '',
    locked: ss.vmLckKb > 0,
  };
  if (opts.cmdline !== false) {
    const argv = readNulList(`${base}/cmdline`);
    if (argv === null) return null;
    info.cmdline = argv;
  }
  if (opts.wchan !== false) info.wchan = readText(`${base}/wchan`) ?? '';
  if (opts.threads) info.threads = readThreads(pid);
  return info;
}

/** Reads the threads of a process other than its main thread, for pstree's {name} entries. */
export function readThreads(pid: number): ThreadInfo[] {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadInfo[] = [];
  for (const name of names) {
    const tid = Number(name);
    if (tid === pid) continue;
    const text = readText(`/proc/${pid}/task/${tid}/stat`);
    const st = text === null ? null : parseStat(text);
    if (st === null) continue;
    out.push({ tid, comm: st.comm, state: st.state, utime: st.utime, stime: st.stime });
  }
  return out.sort((a, b) => a.tid - b.tid);
}

/** Lists the pids in /proc, ascending. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Reads every process, ascending by pid; those that vanish mid-read are skipped. */
export function readAllProcesses(opts: ReadOptions = {}): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of listPids()) {
    const p = readProcess(pid, opts);
    if (p !== null) out.push(p);
  }
  return out;
}
