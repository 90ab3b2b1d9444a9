// What the API shows of jobs: plain JSON objects, the same for the CLI, the page and scripts.
import type { UpResult } from '../core/supervisor/load.js';
import type { UpWait } from './programs/wait-up.js';
import type { Job } from '../core/supervisor/runtime.js';
import { healthOf } from '../core/health/state.js';
import { monoNow } from '../core/supervisor/clock.js';
import { ttyName } from '../os/proc/tty.js';
import type { AcctRecord } from '../store/record-types.js';
import { lookupUser, readProcess } from '../os/proc/index.js';

/** One row of `status`. */
export interface JobView {
  name: string;
  job: number;
  instance: number;
  pid: number | null;
  state: string;
  suspended: boolean;
  uptime: number | null; // seconds
  restarts: number;
  user: string;
  command: string;
  lastExit: { code: number | null; signal: number | null; core: boolean; text: string } | null;
  reason: string | null;
  /** A path the job's process is blocked opening (a FIFO without a partner, a terminal). */
  opening: string | null;
  /** Programs its start waits for (`after:`). */
  waitingFor: string[] | null;
  /** The job's terminal without /dev/ (`tty1`, `pts/3`), or null when it has none. */
  tty: string | null;
  /** The last STATUS= text the program sent on $NOTIFY_SOCKET, or null. */
  statusText?: string | null;
  /** `ready: notify` and started, but READY=1 not yet received. */
  awaitingReady?: boolean;
  /** Only for programs with a health check, while the job runs: the checks' verdict. */
  health: { status: 'starting' | 'healthy' | 'unhealthy'; failures: number; last: string | null } | null;
}

// The daemon's own uid, as text (a program without `user:` runs as it): asked of the kernel
// once, not once per job of every status (500 getuid calls were a fifth of a status at 500 jobs).
let ownUid: string | null = null;
const daemonUid = (): string => (ownUid ??= String(process.getuid?.() ?? 0));

/** The view of a job (`users` memoizes user names over one answer of many views). */
export function jobView(j: Job, now = monoNow(), users?: Map<string, string>): JobView {
  const up = j.pid != null && j.startedMono != null && (j.state === 'running' || j.state === 'starting' || j.state === 'stopping');
  const who = j.spec.user ?? daemonUid();
  let user = users?.get(who);
  if (user === undefined) {
    user = lookupUser(who)?.name ?? who;
    users?.set(who, user);
  }
  return {
    name: j.spec.name,
    job: j.number,
    instance: j.instance,
    pid: j.pid,
    state: j.state,
    suspended: j.suspended,
    // Whole milliseconds: a shorter number to print and to parse, and all that anyone reads.
    uptime: up ? Math.max(0, Math.round(now - (j.startedMono as number))) / 1000 : null,
    restarts: j.restarts,
    user,
    command: j.spec.commandText,
    lastExit: j.lastExit ? { code: j.lastExit.code, signal: j.lastExit.signal, core: j.lastExit.core, text: j.lastExit.text } : null,
    reason: j.reason,
    opening: j.opening,
    waitingFor: j.waitingFor,
    tty: jobTty(j),
    statusText: j.statusText ?? null,
    awaitingReady: j.state === 'starting' && j.pid != null && j.spec.ready === 'notify',
    health: viewHealth(j),
  };
}

/**
 * Many views of one shape as the keys once and a row of values per view: what the typed client
 * asks `status` for. At 1,000 jobs the answer is 107 KB instead of 280 KB, and parsing it and
 * rebuilding the objects (fromRows) costs half of JSON.parse of the objects (0.5 against 1.0 ms).
 */
export interface ViewRows {
  keys: string[];
  rows: unknown[][];
}

/**
 * ViewRows whose columns of one value in every row are sent once (`same`: [key index, value]):
 * `rows` then hold only the other columns, in `keys`' order. In a fleet most fields are the same
 * for every job (null `reason`, `opening`, `tty`, `health`; one user; often one command), so the
 * answer is a third as long: `status` at 1,000 jobs sent 107 KB and spent most of its time in
 * JSON.stringify and JSON.parse. Only null, booleans, numbers and strings are factored out.
 */
export interface ViewColumns extends ViewRows {
  same: [number, unknown][];
}

/** Views as ViewColumns (see there), or null when they are not all of one shape (then send the objects). */
export function asColumns(views: readonly object[]): ViewColumns | null {
  const keys = keysOfAll(views);
  if (!keys) return null;
  // Each view's values in keys' order (keysOfAll checked the order), read once: a lookup by a
  // key held in a variable per cell cost twice as much (0.6 against 0.3-0.4 ms at 1,000 views).
  const vals = views.map((v) => Object.values(v));
  const same: [number, unknown][] = [];
  const vary: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const v = vals.length > 1 ? vals[0][i] : undefined;
    let one = vals.length > 1 && (v === null || typeof v !== 'object');
    for (let r = 1; one && r < vals.length; r++) one = vals[r][i] === v;
    if (one) same.push([i, v]);
    else vary.push(i);
  }
  return { keys, same, rows: vals.map((row) => vary.map((i) => row[i])) };
}

// The first view's keys when every view has them in that order, else null.
function keysOfAll(views: readonly object[]): string[] | null {
  const keys = views.length ? Object.keys(views[0]) : [];
  for (const v of views) {
    const ks = Object.keys(v);
    if (ks.length !== keys.length || ks.some((k, i) => k !== keys[i])) return null;
  }
  return keys;
}

/** Views as ViewRows, or null when they are not all of the first one's keys in its order (then send the objects). */
export function asRows(views: readonly object[]): ViewRows | null {
  const keys = keysOfAll(views);
  if (!keys) return null;
  return { keys, rows: (views as readonly Record<string, unknown>[]).map((r) => keys.map((k) => r[k])) };
}

/** The views of many jobs at one instant (status, overview): one clock read, user names looked up once. */
export function jobViews(jobs: readonly Job[]): JobView[] {
  const now = monoNow();
  const users = new Map<string, string>();
  return jobs.map((j) => jobView(j, now, users));
}

/** GET /v1/info: the daemon's pid, its helper's, home, version and uptime (seconds). */
export interface DaemonInfo {
  pid: number;
  helperPid: number;
  /** Whole process trees: `v2:/path` (a cgroup per job) or `none` (sessions and process groups). */
  cgroup?: string | null;
  home: string;
  version: string;
  uptime: number;
  /** Where accounting records come from: the kernel's taskstats (root) or the helper's wait4. */
  acct?: 'taskstats' | 'wait4';
  /** What keeps the daemon from working fully (a full disk, a store it could not back up), since when. */
  problems?: { what: string; since: number; message: string }[];
}

/** POST /v1/up: what loading a control file did (or, dry, would do), by program name; with
 *  `wait`, also what the file's jobs that are to run came to (api/programs/wait-up.ts). */
export type UpView = UpResult & { wait?: UpWait };

/** GET /v1/acct: one accounting record. Times in seconds (wall clock for start and end), maxrss in KiB. */
export type RecordView = AcctRecord;

function viewHealth(j: Job): JobView['health'] {
  const h = healthOf(j);
  return h && { status: h.status, failures: h.failures, last: h.last };
}

// A terminal line's device; a pty job's terminal as ps names it (read only while it runs).
function jobTty(j: Job): string | null {
  if (typeof j.spec.tty === 'string') return j.spec.tty.replace(/^\/dev\//, '');
  if (j.spec.tty !== true) return null;
  const p = j.pid != null ? readProcess(j.pid, { cmdline: false, wchan: false }) : null;
  return p && p.ttyNr !== 0 ? ttyName(p.ttyNr) : 'pty';
}

/** A job as `jobs` shows it. */
export interface JobsRow {
  number: number;
  marker: '+' | '-' | ' ';
  pid: number | null;
  pids: number[];
  command: string;
  /** running, stopped (with the stop signal), or ended (exit code or signal, core). */
  status:
    | { kind: 'running' }
    | { kind: 'stopped'; signal: number }
    | { kind: 'done'; code: number }
    | { kind: 'signalled'; signal: number; core: boolean };
}
