// The accounting record as stored and as the API shows it: plain data with no imports, so the
// client's types can name it without pulling in the store.

/** One accounting record. Times in seconds (wall clock for start/end), maxrss in KiB. */
export interface AcctRecord {
  id?: number;
  pid: number;
  ppid: number | null;
  job: number | null;
  program: string | null;
  command: string;
  comm: string;
  uid: number | null;
  gid: number | null;
  start: number | null;
  end: number;
  utime: number;
  stime: number;
  maxrss: number;
  minflt: number;
  majflt: number;
  inblock: number;
  oublock: number;
  nvcsw: number;
  nivcsw: number;
  exitCode: number | null;
  signal: number | null;
  core: boolean;
  flags: string;
  status: number | null;
  note: string | null;
  /** Where the figures come from: the kernel's record of the task (taskstats), or wait4. */
  source?: 'taskstats' | 'wait4' | null;
  /** Elapsed seconds, exact to the microsecond with taskstats (end - start otherwise). */
  elapsed?: number | null;
  /** Controlling terminal as /proc's tty_nr (0: none). */
  tty?: number | null;
  /** Characters read and written (read(2), write(2) and the like; KiB-granular from taskstats). */
  rchar?: number | null;
  wchar?: number | null;
  /** Average resident size while it ran (KiB), and peak virtual size (KiB). */
  avgmem?: number | null;
  vmpeak?: number | null;
  threads?: number | null;
}
