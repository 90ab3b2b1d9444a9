// `sa`-style summaries of accounting records: per command (or user, or program) how many runs,
// real and CPU time, average memory and I/O, and how many were killed or dumped core.
import type { AcctRecord } from '../../store/records.js';

/** What records are grouped by: the command name (sa's default), the user (sa -m), or the program. */
export type SummaryKey = 'command' | 'user' | 'program';

/** One line of a summary; the totals line has key null. Times in seconds, memory in KiB. */
export interface SummaryRow {
  key: string | null;
  calls: number;
  realSec: number;
  userSec: number;
  systemSec: number;
  cpuSec: number;
  /** Average of the processes' peak resident sizes (maxrss); sa averages ac_mem instead. */
  avgMemKb: number;
  /** Block reads + writes, in total and per call (sa's avio). */
  io: number;
  avio: number;
  /** Ended by a signal. */
  killed: number;
  cores: number;
}

function keyOf(r: AcctRecord, by: SummaryKey, userName: (uid: number) => string | undefined): string {
  if (by === 'program') return r.program ?? '-';
  if (by === 'user') return r.uid == null ? '-' : userName(r.uid) ?? String(r.uid);
  return r.comm;
}

function finish(key: string | null, acc: Acc): SummaryRow {
  return {
    key,
    calls: acc.calls,
    realSec: acc.real,
    userSec: acc.user,
    systemSec: acc.sys,
    cpuSec: acc.user + acc.sys,
    avgMemKb: acc.calls ? acc.mem / acc.calls : 0,
    io: acc.io,
    avio: acc.calls ? acc.io / acc.calls : 0,
    killed: acc.killed,
    cores: acc.cores,
  };
}

interface Acc {
  calls: number;
  real: number;
  user: number;
  sys: number;
  mem: number;
  io: number;
  killed: number;
  cores: number;
}

const empty = (): Acc => ({ calls: 0, real: 0, user: 0, sys: 0, mem: 0, io: 0, killed: 0, cores: 0 });

/** Summarises records: the totals first, then one row per key, most CPU first (as sa sorts), then by name. */
export function summariseRecords(records: readonly AcctRecord[], by: SummaryKey = 'command', userName: (uid: number) => string | undefined = () => undefined): SummaryRow[] {
  const total = empty();
  const groups = new Map<string, Acc>();
  for (const r of records) {
    const key = keyOf(r, by, userName);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = empty()));
    for (const a of [total, g]) {
      a.calls++;
      a.real += r.elapsed ?? (r.start != null ? Math.max(0, r.end - r.start) : 0);
      a.user += r.utime;
      a.sys += r.stime;
      a.mem += r.maxrss;
      a.io += r.inblock + r.oublock;
      if (r.signal != null) a.killed++;
      if (r.core) a.cores++;
    }
  }
  const rows = [...groups.entries()].map(([k, a]) => finish(k, a));
  rows.sort((x, y) => y.cpuSec - x.cpuSec || y.calls - x.calls || ((x.key as string) < (y.key as string) ? -1 : 1));
  return [finish(null, total), ...rows];
}
