// Pure parsers for the system-wide /proc files, utmp and /etc/passwd.
import type { CpuStat, CpuTimes, DiskStat, LoadAvg, MemInfo, VmCounters } from './types.js';

/** Parses /proc/uptime: seconds since boot and summed idle seconds of all cpus. */
export function parseUptime(text: string): { uptime: number; idle: number } {
  const [up, idle] = text.trim().split(/\s+/);
  return { uptime: Number(up ?? 0), idle: Number(idle ?? 0) };
}

/** Parses /proc/loadavg. */
export function parseLoadavg(text: string): LoadAvg {
  const f = text.trim().split(/\s+/);
  const [running, total] = (f[3] ?? '0/0').split('/');
  return {
    one: Number(f[0] ?? 0),
    five: Number(f[1] ?? 0),
    fifteen: Number(f[2] ?? 0),
    running: Number(running ?? 0),
    total: Number(total ?? 0),
    lastPid: Number(f[4] ?? 0),
  };
}

const memKeys: Record<string, keyof MemInfo> = {
  MemTotal: 'memTotal',
  MemFree: 'memFree',
  MemAvailable: 'memAvailable',
  Buffers: 'buffers',
  Cached: 'cached',
  SReclaimable: 'sReclaimable',
  SwapTotal: 'swapTotal',
  SwapFree: 'swapFree',
  Active: 'active',
  Inactive: 'inactive',
};

/** Parses /proc/meminfo (KiB). */
export function parseMeminfo(text: string): MemInfo {
  const out: MemInfo = {
    memTotal: 0, memFree: 0, memAvailable: 0, buffers: 0, cached: 0, sReclaimable: 0, swapTotal: 0, swapFree: 0,
  };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = memKeys[line.slice(0, colon)];
    if (key) out[key] = parseInt(line.slice(colon + 1), 10) || 0;
  }
  return out;
}

function cpuTimes(f: string[]): CpuTimes {
  const n = (i: number): number => Number(f[i] ?? 0);
  return {
    user: n(1), nice: n(2), system: n(3), idle: n(4), iowait: n(5),
    irq: n(6), softirq: n(7), steal: n(8), guest: n(9), guestNice: n(10),
  };
}

/** Parses /proc/stat: cpu lines and the intr / ctxt / btime / processes / procs_* counters. */
export function parseCpuStat(text: string): CpuStat {
  const out: CpuStat = {
    total: cpuTimes([]), cpus: [], intr: 0, ctxt: 0, btime: 0, processes: 0, procsRunning: 0, procsBlocked: 0,
  };
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const key = line.slice(0, sp);
    if (key === 'cpu') out.total = cpuTimes(line.split(/\s+/));
    else if (key.startsWith('cpu')) out.cpus.push(cpuTimes(line.split(/\s+/)));
    else {
      // intr's first number is the total; the per-irq counts after it are not needed.
      const value = Number(line.slice(sp + 1).trimStart().split(' ', 1)[0]);
      if (key === 'intr') out.intr = value;
      else if (key === 'ctxt') out.ctxt = value;
      else if (key === 'btime') out.btime = value;
      else if (key === 'processes') out.processes = value;
      else if (key === 'procs_running') out.procsRunning = value;
      else if (key === 'procs_blocked') out.procsBlocked = value;
    }
  }
  return out;
}

/** Parses /proc/diskstats; `isWhole` says whether a name is a whole device (not a partition). */
export function parseDiskstats(text: string, isWhole: (name: string) => boolean): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = (i: number): number => Number(f[i] ?? 0);
    const name = f[2] ?? '';
    out.push({
      major: n(0), minor: n(1), name,
      reads: n(3), readsMerged: n(4), readSectors: n(5), readMs: n(6),
      writes: n(7), writesMerged: n(8), writeSectors: n(9), writeMs: n(10),
      inFlight: n(11), ioMs: n(12), weightedIoMs: n(13),
      ...(f.length >= 18 ? { discards: n(14), discardSectors: n(16) } : {}),
      whole: isWhole(name),
    });
  }
  return out;
}

/** Parses the paging / swapping counters of /proc/vmstat. */
export function parseVmCounters(text: string): VmCounters {
  const out: VmCounters = { pgpgin: 0, pgpgout: 0, pswpin: 0, pswpout: 0 };
  for (const line of text.split('\n')) {
    const [key, value] = line.split(' ');
    if (key === 'pgpgin' || key === 'pgpgout' || key === 'pswpin' || key === 'pswpout') out[key] = Number(value);
  }
  return out;
}

/** glibc x86_64 `struct utmp`: 384 bytes, ut_type (int16) at 0, ut_user[32] at 44. */
export const UTMP_RECORD_SIZE = 384;
const USER_PROCESS = 7;
const UT_USER_OFFSET = 44;

/** Counts logged-in users in a utmp image: USER_PROCESS records with a name (as procps does). */
export function countUtmpUsers(buf: Buffer): number {
  let users = 0;
  for (let off = 0; off + UTMP_RECORD_SIZE <= buf.length; off += UTMP_RECORD_SIZE) {
    if (buf.readInt16LE(off) === USER_PROCESS && buf[off + UT_USER_OFFSET] !== 0) users++;
  }
  return users;
}

/** Parses /etc/passwd into uid -> name; the first entry for a uid wins, as getpwuid does. */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const u of parsePasswdEntries(text)) if (!out.has(u.uid)) out.set(u.uid, u.name);
  return out;
}

/** A user from /etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Parses every well-formed line of /etc/passwd, in file order. */
export function parsePasswdEntries(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    if (!Number.isInteger(uid)) continue;
    out.push({ name: f[0] as string, uid, gid: Number(f[3] ?? 0), home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}
