// A process's resource limits as the kernel shows them (/proc/PID/limits), by setrlimit's names:
// what a user may give their own jobs on a daemon that could give them anything (root's).
import { readFileSync } from 'node:fs';

// /proc/PID/limits' row names, by setrlimit's names (without RLIMIT_).
export const ROWS: Record<string, string> = {
  cpu: 'Max cpu time', fsize: 'Max file size', data: 'Max data size', stack: 'Max stack size', core: 'Max core file size',
  rss: 'Max resident set', nproc: 'Max processes', nofile: 'Max open files', memlock: 'Max locked memory', as: 'Max address space',
  locks: 'Max file locks', sigpending: 'Max pending signals', msgqueue: 'Max msgqueue size', nice: 'Max nice priority',
  rtprio: 'Max realtime priority', rttime: 'Max realtime timeout',
};

/** A process's limits as /proc/PID/limits says them ("unlimited" or a number), by setrlimit's
 *  names; null when it cannot be read. One reader for the rows, whoever converts them. */
export function limitRows(pid: number): Record<string, { soft: string; hard: string }> | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const out: Record<string, { soft: string; hard: string }> = {};
  for (const [name, row] of Object.entries(ROWS)) {
    const line = lines.find((l) => l.startsWith(row));
    if (!line) continue;
    const f = line.slice(row.length).trim().split(/\s+/);
    out[name] = { soft: f[0], hard: f[1] };
  }
  return out;
}

const num = (x: string | undefined) => (x === 'unlimited' || x == null ? null : Number(x));

/** The hard limits of a process (null = unlimited), by setrlimit's names; null when it cannot be read. */
export function hardLimits(pid: number): Record<string, number | null> | null {
  const rows = limitRows(pid);
  if (!rows) return null;
  const out: Record<string, number | null> = {};
  for (const [name, l] of Object.entries(rows)) out[name] = num(l.hard);
  return out;
}

/** A process's soft and hard limits (null = unlimited), by setrlimit's names, and its nice value:
 *  what a shell's child gets (`nice -n 10 appinit run -- make`, `ulimit -c unlimited; appinit run
 *  -- ./crash`); null when they cannot be read. */
export function processState(pid: number, within: number): { rlimits: Record<string, { soft: number | null; hard: number | null }>; nice: number } | null {
  const rows = limitRows(pid);
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  if (!rows) return null;
  // No higher than `within`'s (our) hard limits: the helper, our child, could not set them (a
  // daemon started under `ulimit -c 0`, root without CAP_SYS_RESOURCE), and the job's start
  // failed with `rlimit core: Operation not permitted`. A shell's child could not have more either.
  const ours = hardLimits(within);
  const min = (a: number | null, b: number | null) => (a == null ? b : b == null ? a : Math.min(a, b));
  const rlimits: Record<string, { soft: number | null; hard: number | null }> = {};
  for (const [name, l] of Object.entries(rows)) {
    const cap = ours?.[name];
    const hard = cap === undefined ? num(l.hard) : min(num(l.hard), cap);
    rlimits[name] = { soft: min(num(l.soft), hard), hard };
  }
  // Field 19 of stat, counted after the command's closing parenthesis (a name may hold spaces).
  const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  return Number.isInteger(nice) ? { rlimits, nice } : null;
}
