// A daemon a command started (autostart: `daemon --background`) takes on a defined process state,
// not the one of whichever shell happened to start it: a `ulimit -t 1` there killed the daemon
// with SIGXCPU minutes later, and a `nice`, `taskset` or `ulimit -v` there was handed to every
// program, at job and cron run of every later terminal. A daemon started by hand or by a boot
// unit keeps what it was given (an administrator's LimitCORE=, Nice=, CPUAffinity=).
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import koffi from 'koffi';
import { getLimit, setLimit } from './limits.js';
import { limitRows, ROWS } from './peer-limits.js';

// Resources a shell's `ulimit` lowers, by setrlimit's names and numbers (RLIMIT_NOFILE is raised
// by the daemon itself, limits.ts).
const RESOURCES: [string, number][] = [
  ['cpu', 0], ['fsize', 1], ['data', 2], ['stack', 3], ['core', 4], ['rss', 5], ['nproc', 6], ['memlock', 8],
  ['as', 9], ['locks', 10], ['sigpending', 11], ['msgqueue', 12], ['rttime', 15],
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

/** Undoes what the starting shell lowered: each limit below init's back up (a hard limit only
 *  as root, who alone may raise one: bash's `ulimit -v N` lowers both), the nice value back to 0
 *  where allowed, every CPU. Never lowers anything. Returns what it changed, for the log. */
export function defineProcessState(): string[] {
  const changed: string[] = [];
  // init's limits (readable by everyone): what a process that no shell lowered has.
  const init = limitRows(1) ?? {};
  const big = (v: string) => (v === 'unlimited' ? INFINITY : BigInt(v));
  const root = process.geteuid?.() === 0;
  const shown = (v: bigint) => (v === INFINITY ? 'unlimited' : String(v));
  for (const [name, res] of RESOURCES) {
    const row = init[name];
    const now = row && /^(\d+|unlimited)$/.test(row.soft) && /^(\d+|unlimited)$/.test(row.hard) ? getLimit(res) : null;
    if (!row || now == null) continue;
    const target = { soft: big(row.soft), hard: big(row.hard) };
    const said = ROWS[name].slice(4); // as /proc says it: `cpu time`
    const { soft, hard } = now;
    const nextHard = root && target.hard > hard ? target.hard : hard;
    const nextSoft = target.soft > soft ? (target.soft > nextHard ? nextHard : target.soft) : soft;
    if (nextSoft === soft && nextHard === hard) continue;
    if (setLimit(res, nextSoft, nextHard)) {
      changed.push(`${said} ${shown(soft)}:${shown(hard)} -> ${shown(nextSoft)}:${shown(nextHard)}`);
      continue;
    }
    // Root without CAP_SYS_RESOURCE (a container) may not raise a hard limit: the soft one up to it.
    const capped = target.soft > hard ? hard : target.soft;
    if (capped > soft && setLimit(res, capped, hard)) changed.push(`${said} ${shown(soft)}:${shown(hard)} -> ${shown(capped)}:${shown(hard)}`);
    // A hard limit below init's that we may not raise (`ulimit -t 60` sets both): kept, and said.
    if (capped < target.soft) changed.push(`${said} kept at ${shown(capped)} (its hard limit; raising it needs CAP_SYS_RESOURCE)`);
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
