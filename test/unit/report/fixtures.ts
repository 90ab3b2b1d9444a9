// Fabricated processes and system data for the report tests: a fixed clock (2025-11-21 12:00:00
// UTC, up 100000 s), a login shell with a foreground job and a zombie, a busy multi-threaded
// node, kernel threads. Tests run with TZ=UTC so local-time columns are exact.
import type { CpuStat, CpuTimes, MemInfo, ProcInfo, SystemSnapshot } from '../../../src/os/proc/types.js';
import type { PsSystem } from '../../../src/cli/report/ps.js';

process.env.TZ = 'UTC';

/** 2025-11-21 12:00:00 UTC. */
export const NOW_MS = Date.UTC(2025, 10, 21, 12, 0, 0);
export const UPTIME = 100000;
export const BTIME = NOW_MS / 1000 - UPTIME;
const HZ = 100;

/** Ticks since boot for a process started `ago` seconds before NOW. */
export function startedAgo(ago: number): number {
  return (UPTIME - ago) * HZ;
}

export const SYS: PsSystem = { uptime: UPTIME, btime: BTIME, memTotalKb: 2_000_000, nowMs: NOW_MS, hz: 100, pageSize: 4096, pidDigits: 5 };

const NAMES = new Map([[0, 'root'], [1000, 'alice'], [1001, 'systemd-timesync']]);
/** uid -> name as /etc/passwd would give it. */
export const userName = (uid: number): string | undefined => NAMES.get(uid);

/** A sleeping root process with every field set; override what a test needs. */
export function proc(over: Partial<ProcInfo> & { pid: number }): ProcInfo {
  return {
    ppid: 1, pgid: over.pid, sid: over.pid, ttyNr: 0, tpgid: -1, state: 'S', comm: 'x', cmdline: [],
    uid: 0, euid: 0, gid: 0, egid: 0, utime: 0, stime: 0, cutime: 0, cstime: 0, priority: 20, nice: 0,
    numThreads: 1, startTime: startedAgo(1000), vsize: 0, rss: 0, shared: 0, flags: 0x400100, policy: 0,
    wchan: '0', locked: false, ...over,
  };
}

const PTS0 = (136 << 8) | 0;

/** A small, varied process table. */
export const PROCS: ProcInfo[] = [
  proc({ pid: 1, ppid: 0, comm: 'systemd', cmdline: ['/sbin/init', 'splash'], startTime: 100, utime: 150, stime: 50, vsize: 170_000_000, rss: 3000, shared: 2000, wchan: 'ep_poll', locked: true }),
  proc({ pid: 2, ppid: 0, pgid: 0, sid: 0, comm: 'kthreadd', startTime: 100, flags: 0x208040, wchan: 'kthreadd' }),
  proc({ pid: 18, ppid: 2, pgid: 0, sid: 0, comm: 'migration/0', startTime: 100, flags: 0x4208040, priority: -100, policy: 1, wchan: 'smpboot_thread_fn' }),
  proc({ pid: 4242, comm: 'bash', cmdline: ['-bash'], ttyNr: PTS0, tpgid: 4300, uid: 1000, euid: 1000, startTime: startedAgo(3600), utime: 30, stime: 20, vsize: 9_000_000, rss: 1300, shared: 800, wchan: 'do_wait', flags: 0x400000 }),
  proc({ pid: 4300, ppid: 4242, sid: 4242, comm: 'sleep', cmdline: ['sleep', '1000'], ttyNr: PTS0, tpgid: 4300, uid: 1000, euid: 1000, nice: 5, priority: 25, startTime: startedAgo(60), vsize: 5_000_000, rss: 250, shared: 230, wchan: 'hrtimer_nanosleep', flags: 0x400000 }),
  proc({ pid: 4301, ppid: 4242, pgid: 4242, sid: 4242, state: 'Z', comm: 'sleep', ttyNr: PTS0, tpgid: 4300, uid: 1000, euid: 1000, startTime: startedAgo(30), flags: 0x40044c }),
  proc({ pid: 5000, comm: 'node', cmdline: ['node', 'server.js', '--port', '8080'], uid: 1001, euid: 1001, numThreads: 11, startTime: startedAgo(120), utime: 5000, stime: 1000, vsize: 1_073_741_824, rss: 25600, shared: 6000, state: 'R', nice: -5, priority: 15 }),
];

function cpu(user: number, system: number, idle: number, over: Partial<CpuTimes> = {}): CpuTimes {
  return { user, nice: 0, system, idle, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0, ...over };
}

const MEM: MemInfo = {
  memTotal: 2_000_000, memFree: 1_200_000, memAvailable: 1_500_000, buffers: 20_000, cached: 300_000,
  sReclaimable: 30_000, swapTotal: 1_048_576, swapFree: 1_000_000,
};

function stat(total: CpuTimes, counters: Partial<CpuStat>): CpuStat {
  return { total, cpus: [total], intr: 0, ctxt: 0, btime: BTIME, processes: 9000, procsRunning: 2, procsBlocked: 0, ...counters };
}

/** Snapshot A: 1 s before B. */
export const SNAP_A: SystemSnapshot = {
  wallMs: NOW_MS - 1000,
  uptime: UPTIME - 1,
  loadavg: { one: 0.5, five: 0.25, fifteen: 0.1, running: 2, total: 120, lastPid: 5000 },
  mem: MEM,
  stat: stat(cpu(100_000, 20_000, 1_000_000, { iowait: 3000, steal: 500 }), { intr: 5_000_000, ctxt: 9_000_000 }),
  vm: { pgpgin: 400_000, pgpgout: 100_000, pswpin: 10, pswpout: 20 },
  disks: [
    { major: 8, minor: 0, name: 'sda', reads: 10_000, readsMerged: 0, readSectors: 800_000, readMs: 0, writes: 2000, writesMerged: 0, writeSectors: 160_000, writeMs: 0, inFlight: 0, ioMs: 0, weightedIoMs: 0, whole: true },
    { major: 8, minor: 1, name: 'sda1', reads: 9000, readsMerged: 0, readSectors: 700_000, readMs: 0, writes: 2000, writesMerged: 0, writeSectors: 160_000, writeMs: 0, inFlight: 0, ioMs: 0, weightedIoMs: 0, whole: false },
    { major: 7, minor: 0, name: 'loop0', reads: 0, readsMerged: 0, readSectors: 0, readMs: 0, writes: 0, writesMerged: 0, writeSectors: 0, writeMs: 0, inFlight: 0, ioMs: 0, weightedIoMs: 0, whole: true },
  ],
  users: 1,
  procs: PROCS.map((p) => (p.pid === 5000 ? { ...p, utime: 4950, stime: 990 } : p)),
};

/** Snapshot B: NOW. In the second between, node used 60 ticks, and the cpus 200 ticks in all. */
export const SNAP_B: SystemSnapshot = {
  ...SNAP_A,
  wallMs: NOW_MS,
  uptime: UPTIME,
  stat: stat(cpu(100_050, 20_020, 1_000_120, { iowait: 3006, steal: 504 }), { intr: 5_001_000, ctxt: 9_002_500 }),
  vm: { pgpgin: 400_400, pgpgout: 100_800, pswpin: 10, pswpout: 20 },
  disks: (SNAP_A.disks).map((d) => (d.name === 'sda' ? { ...d, reads: 10_050, readSectors: 801_000, writes: 2010, writeSectors: 160_400 } : d)),
  procs: PROCS,
};
