// System-wide readers: uptime, load, memory, cpu counters, disks, paging, users, constants.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readBytes, readText } from './read-file.js';
import {
  countUtmpUsers, parseCpuStat, parseDiskstats, parseLoadavg, parseMeminfo, parseUptime, parseVmCounters,
} from './parse-system.js';
import type { CpuStat, DiskStat, LoadAvg, MemInfo, VmCounters } from './types.js';

/** USER_HZ: the unit of every tick count in /proc. 100 on every Linux architecture Node runs on. */
export function clockTicks(): number {
  return 100;
}

let cachedPageSize = 0;

/** Page size in bytes: 4096 on x86 (fixed by the ABI), otherwise `getconf PAGESIZE` once. */
export function pageSize(): number {
  if (cachedPageSize === 0) {
    cachedPageSize = 4096;
    if (process.arch !== 'x64' && process.arch !== 'ia32') {
      try {
        const n = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
        if (n > 0) cachedPageSize = n;
      } catch {
        // keep 4096: no getconf means a minimal system, and 4096 is the common case.
      }
    }
  }
  return cachedPageSize;
}

let cachedPidDigits = 0;

/** Digits of /proc/sys/kernel/pid_max: procps sizes its PID columns by it. */
export function pidDigits(): number {
  if (cachedPidDigits === 0) {
    const text = readText('/proc/sys/kernel/pid_max');
    const max = text === null ? 32768 : Number(text.trim()) || 32768;
    cachedPidDigits = String(max).length;
  }
  return cachedPidDigits;
}

/** Seconds since boot (and summed idle seconds of all cpus). */
export function readUptime(): { uptime: number; idle: number } {
  return parseUptime(readText('/proc/uptime') ?? '0 0');
}

/** /proc/loadavg. */
export function readLoadavg(): LoadAvg {
  return parseLoadavg(readText('/proc/loadavg') ?? '0 0 0 0/0 0');
}

/** /proc/meminfo, KiB. */
export function readMeminfo(): MemInfo {
  return parseMeminfo(readText('/proc/meminfo') ?? '');
}

/** /proc/stat. */
export function readCpuStat(): CpuStat {
  return parseCpuStat(readText('/proc/stat') ?? '');
}

/** /proc/diskstats, each marked whole device or partition by /sys/block. */
export function readDiskstats(): DiskStat[] {
  // /sys/block names use '!' where /proc/diskstats has '/' (cciss/c0d0).
  return parseDiskstats(readText('/proc/diskstats') ?? '', (name) => existsSync(`/sys/block/${name.replace(/\//g, '!')}`));
}

/** /proc/vmstat paging counters. */
export function readVmCounters(): VmCounters {
  return parseVmCounters(readText('/proc/vmstat') ?? '');
}

/** Logged-in users from utmp (0 when there is no utmp, as in containers). */
export function countUsers(path = '/var/run/utmp'): number {
  const buf = readBytes(path);
  return buf === null ? 0 : countUtmpUsers(buf);
}
