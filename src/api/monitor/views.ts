// What the monitoring endpoints answer: plain JSON, the same for the CLI, the page and scripts.
// The client imports only these types.
import type { ProcInfo, SystemSnapshot } from '../../os/proc/types.js';
import type { JobRef } from '../../core/monitor/jobs.js';
import type { PsSystem } from '../../os/proc/types.js';
import type { ChildTimes } from '../../store/monitor.js';

export type { JobRef, ChildTimes };

/** GET /v1/monitor/procs: processes (every one, or the jobs'), with what ps needs to show them. */
export interface ProcsView {
  sys: Required<PsSystem>;
  procs: ProcInfo[];
  /** The caller's jobs with live processes. */
  jobs: JobRef[];
  /** pid -> job number, for every listed process that belongs to a job. */
  owner: Record<string, number>;
  /** uid -> user name, for the uids in procs (unknown uids are absent: show the number). */
  users: Record<string, string>;
  daemonPid: number;
  helperPid: number;
}

/** GET /v1/monitor/snapshot: one instant for top, vmstat and iostat. */
export interface SnapshotView {
  snapshot: SystemSnapshot;
  jobs: JobRef[];
  owner: Record<string, number>;
  users: Record<string, string>;
  hz: number;
  pageSize: number;
  pidDigits: number;
}

/** One stored sample. */
export interface SampleView {
  /** Wall clock ms. */
  at: number;
  pids: number;
  /** Percent of one cpu over the interval. */
  cpu: number;
  rssKb: number;
  vszKb: number;
}

/** GET /v1/monitor/history: the sampled history of a program's jobs. */
export interface HistoryView {
  /** Sampling interval in ms (0: sampling is off). */
  intervalMs: number;
  /** Samples kept per job. */
  keep: number;
  jobs: { job: number; name: string; instance: number; pid: number | null; samples: SampleView[] }[];
}

/** GET /v1/monitor/times: times(2) of the daemon, and its ended children from the records. Seconds. */
export interface TimesView {
  daemon: { pid: number; realSec: number; userSec: number; systemSec: number };
  /** The helper is the real parent of every job: its own times and, as the kernel counts them, its reaped children's. */
  helper: { pid: number; userSec: number; systemSec: number; childUserSec: number; childSystemSec: number } | null;
  children: ChildTimes;
  programs: ChildTimes[];
}

/** POST /v1/monitor/signal. */
export interface SignalPidResult {
  pid: number;
  signal: string;
}
