// One call that gathers what top / vmstat / iostat compare between two instants.
import { readAllProcesses, type ReadOptions } from './process.js';
import {
  countUsers, readCpuStat, readDiskstats, readLoadavg, readMeminfo, readUptime, readVmCounters,
} from './system.js';
import type { SystemSnapshot } from './types.js';

/** Reads a full system snapshot; pass `procs: false` to skip the per-process reads (vmstat, iostat). */
export function readSystemSnapshot(opts: ReadOptions & { procs?: boolean } = {}): SystemSnapshot {
  // The cpu counters and uptime are read back to back so that interval maths stays consistent.
  const stat = readCpuStat();
  const { uptime } = readUptime();
  return {
    wallMs: Date.now(),
    uptime,
    loadavg: readLoadavg(),
    mem: readMeminfo(),
    stat,
    vm: readVmCounters(),
    disks: readDiskstats(),
    users: countUsers(),
    procs: opts.procs === false ? [] : readAllProcesses({ wchan: false, cmdline: false, ...opts }),
  };
}
