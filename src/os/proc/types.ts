// Plain data read from /proc. Everything here is a number or a string so that core/report can
// format it without touching the kernel, and tests can fabricate it.

/** One thread of a process, from /proc/PID/task/TID/stat (only read when asked for). */
export interface ThreadInfo {
  tid: number;
  comm: string;
  state: string;
  utime: number;
  stime: number;
}

/** One process as /proc shows it. Times in clock ticks, sizes as the kernel counts them. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  ttyNr: number;
  tpgid: number;
  /** One state character: R S D Z T t X I P W K. */
  state: string;
  comm: string;
  /** argv; empty for kernel threads and zombies (the kernel gives nothing). */
  cmdline: string[];
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  /** Field 18: 20 for nice 0 under SCHED_OTHER, negative for real-time. */
  priority: number;
  nice: number;
  numThreads: number;
  /** Field 22, ticks since boot: with pid it identifies a process (pids are reused). */
  startTime: number;
  /** Bytes. */
  vsize: number;
  /** Resident pages (the statm/status counter; stat field 24 lags on 6.x kernels). */
  rss: number;
  /** Shared (file + shmem) resident pages, as statm's third field. */
  shared: number;
  /** Field 9, PF_* bits. */
  flags: number;
  /** Field 41, SCHED_* policy: 0 other, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline. */
  policy: number;
  /** /proc/PID/wchan as read ("0" when running, "" when unreadable or not read). */
  wchan: string;
  /** VmLck > 0 in status: some memory is locked (STAT flag L). */
  locked: boolean;
  threads?: ThreadInfo[];
}

/** /proc/loadavg. */
export interface LoadAvg {
  one: number;
  five: number;
  fifteen: number;
  running: number;
  total: number;
  lastPid: number;
}

/** The /proc/meminfo lines the reports use, in KiB (0 when the kernel lacks a line). */
export interface MemInfo {
  memTotal: number;
  memFree: number;
  memAvailable: number;
  buffers: number;
  cached: number;
  sReclaimable: number;
  swapTotal: number;
  swapFree: number;
  /** Active and Inactive (vmstat -s); set by parseMeminfo. */
  active?: number;
  inactive?: number;
}

/** One cpu line of /proc/stat, in ticks. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

/** /proc/stat: the summed cpu line, one per cpu, and the system counters. */
export interface CpuStat {
  total: CpuTimes;
  cpus: CpuTimes[];
  intr: number;
  ctxt: number;
  /** Boot time, seconds since the epoch. */
  btime: number;
  processes: number;
  procsRunning: number;
  procsBlocked: number;
}

/** One line of /proc/diskstats (sectors are 512 bytes whatever the device). */
export interface DiskStat {
  major: number;
  minor: number;
  name: string;
  reads: number;
  readsMerged: number;
  readSectors: number;
  readMs: number;
  writes: number;
  writesMerged: number;
  writeSectors: number;
  writeMs: number;
  inFlight: number;
  ioMs: number;
  weightedIoMs: number;
  /** Discards completed and sectors discarded (kernel 4.18+; iostat's kB_dscd); absent on older kernels. */
  discards?: number;
  discardSectors?: number;
  /** True for a whole device (it has /sys/block/NAME), false for a partition. */
  whole: boolean;
}

/** The /proc/vmstat counters vmstat prints. */
export interface VmCounters {
  pgpgin: number;
  pgpgout: number;
  pswpin: number;
  pswpout: number;
}

/** Everything top, vmstat and iostat need from one instant. */
export interface SystemSnapshot {
  /** Wall clock when read, ms since the epoch (for the clock shown to people). */
  wallMs: number;
  /** Seconds since boot, from /proc/uptime. */
  uptime: number;
  loadavg: LoadAvg;
  mem: MemInfo;
  stat: CpuStat;
  vm: VmCounters;
  disks: DiskStat[];
  users: number;
  procs: ProcInfo[];
}
