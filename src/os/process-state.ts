// A daemon a command started (autostart: `daemon --background`) takes on a defined process state,
// not the one of whichever shell happened to start it: a `ulimit -t 1` there killed the daemon
// with SIGXCPU minutes later, and a `nice`, `taskset` or `ulimit -v` there was handed to every
// program, at job and cron run of every later terminal. A daemon started by hand or by a boot
// unit keeps what it was given (an administrator's LimitCORE=, Nice=, CPUAffinity=).
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import koffi from 'koffi';
import { getLimit, setLimit } from './limits.js';

// Resources a shell's `ulimit` lowers (RLIMIT_NOFILE is raised by the daemon itself, limits.ts).
const RESOURCES: [number, string][] = [
  [0, 'Max cpu time'], [1, 'Max file size'], [2, 'Max data size'], [3, 'Max stack size'],
  [4, 'Max core file size'], [5, 'Max resident set'], [6, 'Max processes'], [8, 'Max locked memory'],
  [9, 'Max address space'], [10, 'Max file locks'], [11, 'Max pending signals'], [12, 'Max msgqueue size'],
  [15, 'Max realtime timeout'],
];
const INFINITY = 0xffffffffffffffffn;

let setAffinity: ((pid: number, size: number, mask: Buffer) => number) | null = null;

// Every CPU the cgroup allows (the kernel intersects the mask with the cpuset).
function allCpus(): void {
  setAffinity ??= koffi.load('libc.so.6').func('int sched_setaffinity(int, size_t, const uint8_t *mask)') as never;
  const mask = Buffer.alloc(128, 0xff);
  setAffinity!(0, mask.length, mask);
}

function cpusAllowed(): string {
  try { return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '?'; } catch { return '?'; }
}

// init's limits (/proc/1/limits, readable by everyone): what a process that no shell lowered has.
function initLimits(): Map<string, { soft: bigint; hard: bigint }> {
  const out = new Map<string, { soft: bigint; hard: bigint }>();
  let text = '';
  try { text = readFileSync('/proc/1/limits', 'utf8'); } catch { return out; }
  const n = (v: string) => (v === 'unlimited' ? INFINITY : BigInt(v));
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m && /^(\d+|unlimited)$/.test(m[2]) && /^(\d+|unlimited)$/.test(m[3])) out.set(m[1], { soft: n(m[2]), hard: n(m[3]) });
  }
  return out;
}

/** Undoes what the starting shell lowered: each limit below init's back up (a hard limit only
 *  as root, who alone may raise one: bash's `ulimit -v N` lowers both), the nice value back to 0
 *  where allowed, every CPU. Never lowers anything. Returns what it changed, for the log. */
export function defineProcessState(): string[] {
  const changed: string[] = [];
  const want = initLimits();
  const root = process.geteuid?.() === 0;
  const shown = (v: bigint) => (v === INFINITY ? 'unlimited' : String(v));
  for (const [res, name] of RESOURCES) {
    const target = want.get(name);
    const now = target == null ? null : getLimit(res);
    if (target == null || now == null) continue;
    const { soft, hard } = now;
    const nextHard = root && target.hard > hard ? target.hard : hard;
    const nextSoft = target.soft > soft ? (target.soft > nextHard ? nextHard : target.soft) : soft;
    if (nextSoft === soft && nextHard === hard) continue;
    if (setLimit(res, nextSoft, nextHard)) {
      changed.push(`${name.slice(4)} ${shown(soft)}:${shown(hard)} -> ${shown(nextSoft)}:${shown(nextHard)}`);
      continue;
    }
    // Root without CAP_SYS_RESOURCE (a container) may not raise a hard limit: the soft one up to it.
    const capped = target.soft > hard ? hard : target.soft;
    if (capped > soft && setLimit(res, capped, hard)) changed.push(`${name.slice(4)} ${shown(soft)}:${shown(hard)} -> ${shown(capped)}:${shown(hard)}`);
    // A hard limit below init's that we may not raise (`ulimit -t 60` sets both): kept, and said.
    if (capped < target.soft) changed.push(`${name.slice(4)} kept at ${shown(capped)} (its hard limit; raising it needs CAP_SYS_RESOURCE)`);
  }
  try {
    const nice = getPriority(0);
    if (nice > 0) {
      setPriority(0, 0);
      changed.push(`nice ${nice} -> 0`);
    }
  } catch { /* lowering needs privilege (or RLIMIT_NICE): kept */ }
  const before = cpusAllowed();
  allCpus();
  const after = cpusAllowed();
  if (before !== after) changed.push(`CPUs ${before} -> ${after}`);
  return changed;
}
