// Pure parsers for the per-process files. Kept apart from the reads so tests can feed text.
import type { ProcInfo } from './types.js';

/** The fields of /proc/PID/stat the product uses: ProcInfo's, plus stat's own (lagging) rss. */
export type StatFields = Pick<ProcInfo,
  'pid' | 'comm' | 'state' | 'ppid' | 'pgid' | 'sid' | 'ttyNr' | 'tpgid' | 'flags' | 'utime' | 'stime' | 'cutime' |
  'cstime' | 'priority' | 'nice' | 'numThreads' | 'startTime' | 'vsize' | 'policy'> & { rssStat: number };

/** Parses /proc/PID/stat; null if malformed. comm may hold spaces and ')' so split at the LAST ')'. */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // f[0] is field 3 (state); field N is f[N - 3].
  const f = text.slice(close + 2).split(' ');
  if (f.length < 20) return null;
  const n = (i: number): number => Number(f[i - 3] ?? 0);
  return {
    pid: Number(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: n(4),
    pgid: n(5),
    sid: n(6),
    ttyNr: n(7),
    tpgid: n(8),
    flags: n(9),
    utime: n(14),
    stime: n(15),
    cutime: n(16),
    cstime: n(17),
    priority: n(18),
    nice: n(19),
    numThreads: n(20),
    startTime: n(22),
    vsize: n(23),
    rssStat: n(24),
    policy: n(41),
  };
}

/** The fields of /proc/PID/status the product uses; sizes in KiB. */
export interface StatusFields {
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  vmLckKb: number;
  vmRssKb: number;
  rssFileKb: number;
  rssShmemKb: number;
}

function field(text: string, key: string): string | null {
  // Keys start a line; status is ~1.5 KB, so a native search per key beats splitting lines.
  const at = text.indexOf(`\n${key}:`);
  if (at < 0) return null;
  const from = at + key.length + 2;
  const end = text.indexOf('\n', from);
  return text.slice(from, end < 0 ? text.length : end);
}

function ids(text: string, key: string): [number, number] {
  const f = (field(text, key) ?? '').trim().split(/\s+/);
  return [Number(f[0] ?? 0) || 0, Number(f[1] ?? 0) || 0];
}

function kb(text: string, key: string): number {
  const v = field(text, key);
  return v === null ? 0 : parseInt(v, 10) || 0;
}

/** Parses /proc/PID/status (kernel threads lack the Vm lines: they read as 0). */
export function parseStatus(text: string): StatusFields {
  const [uid, euid] = ids(text, 'Uid');
  const [gid, egid] = ids(text, 'Gid');
  return {
    uid, euid, gid, egid,
    vmLckKb: kb(text, 'VmLck'),
    vmRssKb: kb(text, 'VmRSS'),
    rssFileKb: kb(text, 'RssFile'),
    rssShmemKb: kb(text, 'RssShmem'),
  };
}

/** Parses /proc/PID/statm into pages: size, resident, shared. */
export function parseStatm(text: string): { size: number; resident: number; shared: number } {
  const f = text.trim().split(' ');
  return { size: Number(f[0] ?? 0), resident: Number(f[1] ?? 0), shared: Number(f[2] ?? 0) };
}
