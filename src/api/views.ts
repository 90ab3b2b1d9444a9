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
  /** How many processes the job started still run although its leader is gone (an `exited` job
   *  whose `setsid`'d worker runs on, say: `appinit ps` shows them, `stop` ends them); 0 else. */
  left?: number;
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
    left: j.pid == null ? j.others.size : 0,
  };
}

/**
 * Many views of one shape as the keys once and a row of values per view (`status?form=rows`, what
 * typed clients of 0.1 ask for; ViewColumns is the current client's). At 1,000 jobs the answer is
 * 107 KB instead of 280 KB, and parsing it and rebuilding the objects (fromRows) costs half of
 * JSON.parse of the objects (0.5 against 1.0 ms).
 */
export interface ViewRows {
  keys: string[];
  rows: unknown[][];
}

/**
 * Views by column: the keys once, a column of one value in every view once (`same`: [key index,
 * value]), and every other column as one array (`columns`, in keys' order; `columns[j][r]` is view
 * r's value). In a fleet most fields are the same for every job (null `reason`, `opening`, `tty`,
 * `health`; one user; often one command), so the answer is a third as long as the objects; and an
 * array of one type (names, pids) is written and parsed faster than a row of mixed ones: at 1,000
 * jobs JSON.stringify and JSON.parse took 0.45 ms each for rows, 0.25 for columns. Only null,
 * booleans, numbers and strings are factored out into `same`.
 */
export interface ViewColumns {
  keys: string[];
  /** How many views (every column is this long; with all columns in `same`, the only count). */
  count: number;
  same: [number, unknown][];
  columns: unknown[][];
}

/** Views as ViewColumns (see there), or null when they are not all of one shape (then send the objects). */
export function asColumns(views: readonly object[]): ViewColumns | null {
  const keys = keysOfAll(views);
  if (!keys) return null;
  const all = transposer(keys)(views);
  const same: [number, unknown][] = [];
  const columns: unknown[][] = [];
  for (let i = 0; i < keys.length; i++) {
    const col = all[i];
    const v = col[0];
    let one = col.length > 1 && (v === null || typeof v !== 'object');
    for (let r = 1; one && r < col.length; r++) one = col[r] === v;
    if (one) same.push([i, v]);
    else columns.push(col);
  }
  return { keys, count: views.length, same, columns };
}

// Views to one array per key, by a function made for those keys: it reads each property by its
// name (one shape, one fast load each) where a lookup by a key held in a variable, per cell, cost
// 3-4x as much (asColumns at 1,000 views: 0.8 ms with Object.values per view, 0.4 with this). The
// arrays are grown by push: an array made with new Array(n) stays "holey" once filled, and
// JSON.stringify takes twice as long over one (0.26 against 0.12 ms for 4 columns of 1,000).
type Transpose = (views: readonly object[]) => unknown[][];
const transposers = new Map<string, Transpose>();
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

function transposer(keys: string[]): Transpose {
  const id = keys.join('\0');
  let t = transposers.get(id);
  if (!t) {
    // Keys are our views' field names; one that is not a plain name is read by the slow path
    // (`v.__proto__` would read the prototype, not a property of that name).
    t = keys.every((k) => PLAIN_KEY.test(k) && k !== '__proto__')
      ? (new Function('views', `${keys.map((_, i) => `const c${i} = [];`).join(' ')}
for (let r = 0; r < views.length; r++) { const v = views[r]; ${keys.map((k, i) => `c${i}.push(v.${k});`).join(' ')} }
return [${keys.map((_, i) => `c${i}`).join(', ')}];`) as Transpose)
      : (views) => keys.map((k) => views.map((v) => (v as Record<string, unknown>)[k]));
    if (transposers.size > 32) transposers.clear();
    transposers.set(id, t);
  }
  return t;
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
/** A record, with its job's number (`%N`) while that job is still there (null once it is gone:
 *  numbers are given again, ids are not). */
export type RecordView = AcctRecord & { number: number | null };

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
