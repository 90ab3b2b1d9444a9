// The typed appinit library: `import { connect } from 'appinit'`. It loads none of the daemon's
// code: what crosses the socket is typed by the API layer's views, imported as types only.
import type { DaemonInfo, JobsRow, JobView, RecordView, UpView } from '../api/views.js';
import type { UpWait } from '../api/programs/wait-up.js';
import { fromRows } from './rows.js';
import type { LogLine } from '../core/logs/emit.js';
import type { HistoryView, ProcsView, SignalPidResult, SnapshotView, TimesView } from '../api/monitor/views.js';
import type { AtJobView, AtView } from '../api/schedule/routes.js';
import type { ScheduleView } from '../core/scheduler/scheduler.js';
import type { ProgramRow, ProgramDescription } from '../api/programs/module.js';
import { dirname, resolve } from 'node:path';
import { appinitHome, socketPath, systemHome, systemMode, systemSocketPath } from './home.js';
import type { PipeView } from '../api/pipes/module.js';
import { FastChannel } from './fast-resources.js';
import { coprocess, popen, type Coprocess, type PopenOptions, type PopenStream } from './popen.js';
import type { Readable, Writable } from 'node:stream';
import { acquire, Mutex, Queue, RECONNECT_WINDOW_MS, Semaphore } from './resources.js';
import { wasUnread } from './response.js';
import { AppinitError, errnoOf, reachError } from './errors.js';
import { unixTransport, type Transport } from './transport.js';

export { Mutex, Queue, Semaphore, ResourceCallError, type QueueMessage } from './resources.js';
export type { DaemonInfo, JobView, LogLine, RecordView, UpView, UpWait, Transport, ProgramRow, ProgramDescription, PipeView, Coprocess, PopenOptions, PopenStream };
export type { HistoryView, ProcsView, SignalPidResult, SnapshotView, TimesView, AtView, AtJobView, ScheduleView };
/** @deprecated the name before 0.2: an accounting record is a RecordView. */
export type AcctRecord = RecordView;
/** @deprecated the name before 0.2: what `up` did is an UpView. */
export type UpResult = UpView;
export { appinitHome, socketPath, systemMode, systemSocketPath };
export { AppinitError };


/** Options for connect. */
export interface ConnectOptions {
  home?: string;
  /** Start the daemon in the background when none answers (default true). */
  autostart?: boolean;
  /** Called once when the daemon had to be started. */
  onStart?: (pid: number) => void;
  transport?: Transport;
  /** Keep connections open between calls (default true); false suits a process that makes one or two. */
  keepAlive?: boolean;
  /** Talk to the system daemon (default: APPINIT_SYSTEM=1 when no home is given). It is never started: root starts it. */
  system?: boolean;
}

/** The dashboard: its URL (the operator token in the fragment), address and the caller's tokens. */
export interface WebView {
  url: string;
  listen: string;
  tokens: { operator: string; viewer: string; metrics: string };
}

/** A connection to the daemon of one APPINIT_HOME. */
export class Client {
  /** `socket`: the daemon's control socket (the home's, or the system daemon's). */
  /** `fastResources`: resource calls go over one kept connection (src/client/fast-resources.ts), not HTTP. */
  constructor(private readonly t: Transport, readonly home: string, readonly socket: string = socketPath(home), fastResources = false) {
    this.fast = fastResources ? new FastChannel(socket) : undefined;
  }
  private readonly fast: FastChannel | undefined;
  /** The daemon answered `status?form=columns` with 400: it knows rows only (before 0.2.x). */
  private rowsOnly = false;

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let r: Awaited<ReturnType<Transport>>;
    try {
      r = await this.t(method, path, body);
    } catch (err) {
      throw reachError(err, this.socket);
    }
    if (r.status >= 400) {
      const e = (r.body as { error?: { code: string; message: string; details?: unknown } })?.error;
      throw new AppinitError(e?.code ?? 'error', e?.message ?? `HTTP ${r.status}`, r.status, e?.details);
    }
    return r.body as T;
  }

  /** Reloads programs: a new instance on the same sockets, the old one stopped once the new one is ready. */
  reload(names: string[]): Promise<{ name: string; instance: number; from: { job: number; pid: number | null }; to: { job: number; pid: number | null } }[]> {
    return this.call('POST', '/v1/reload', { names });
  }
  /** Has the daemon open path for this process (a program's `grants:` must allow this user); resolves to the descriptor. */
  async open(path: string, mode: 'r' | 'w' | 'a' | 'rw' = 'r'): Promise<number> {
    await this.info(); // starts the daemon if need be, as every call does
    return (await import('./open.js')).openThroughDaemon(dirname(this.socket), path, mode);
  }
  /** The daemon's pid, helper pid, home and version. */
  info(): Promise<DaemonInfo> { return this.call('GET', '/v1/info'); }
  /** Every job (or those named) and what the daemon says is degraded, in one call (what `status` shows),
   *  with the pipes between programs these jobs read or write. */
  overview(names?: string | string[]): Promise<{ jobs: JobView[]; problems: NonNullable<DaemonInfo['problems']>; pipes?: PipeView[] }> {
    const list = names === undefined ? [] : Array.isArray(names) ? names : [names];
    return this.call('GET', `/v1/overview${list.length ? `?${list.map((n) => `name=${encodeURIComponent(n)}`).join('&')}` : ''}`);
  }
  /** popen(3) as a job of the daemon: 'r' reads the command's stdout, 'w' writes its stdin; close()
   *  resolves to the wait status as pclose returns it. A string runs through /bin/sh -c. */
  popen(cmd: string | string[], mode: 'r', opts?: PopenOptions): Promise<Readable & PopenStream>;
  popen(cmd: string | string[], mode: 'w', opts?: PopenOptions): Promise<Writable & PopenStream>;
  popen(cmd: string | string[], mode: 'r' | 'w', opts?: PopenOptions): Promise<(Readable | Writable) & PopenStream> {
    return mode === 'r' ? popen(this, cmd, 'r', opts) : popen(this, cmd, mode, opts);
  }
  /** A coprocess as a job of the daemon: { stdin, stdout, wait() } (wait: the wait status). */
  coprocess(cmd: string | string[], opts?: PopenOptions): Promise<Coprocess> { return coprocess(this, cmd, opts); }
  /** Pipes between programs held by the daemon, with how many bytes wait in each. */
  pipes(): Promise<PipeView[]> { return this.call('GET', '/v1/pipes'); }
  /** Every job (or those of one program). */
  async status(names?: string | string[]): Promise<JobView[]> {
    const list = names == null ? [] : Array.isArray(names) ? names : [names];
    const q = list.map((n) => `&name=${encodeURIComponent(n)}`).join('');
    // Asked as columns (keys once, a column of one value once): less to send and to parse. A daemon
    // that knows only rows says 400 (then rows, from then on); one before 0.2 answers objects.
    if (!this.rowsOnly) {
      try {
        return fromRows<JobView>(await this.call('GET', `/v1/status?form=columns${q}`));
      } catch (err) {
        if (!(err instanceof AppinitError && err.status === 400 && err.code === 'usage')) throw err;
        this.rowsOnly = true;
      }
    }
    return fromRows<JobView>(await this.call('GET', `/v1/status?form=rows${q}`));
  }
  /**
   * Loads a control file's text, replacing the programs loaded before; with dryRun, only says what
   * it would do. With `wait` (seconds), answers once every job of the programs it started is
   * running (ready), has ended with a success code, or has failed, or the seconds have passed:
   * the answer's `wait` says which.
   */
  up(file: string, text: string, baseDir: string, opts: { dryRun?: boolean; wait?: number } = {}): Promise<UpView> {
    return this.call('POST', '/v1/up', { file, text, baseDir, dryRun: opts.dryRun === true, ...(opts.wait != null ? { wait: opts.wait } : {}) });
  }
  /** The control file loaded last (null if none), for `up` without a file. */
  lastFile(): Promise<{ file: string | null }> { return this.call('GET', '/v1/up/last'); }
  /** Starts a program without a control file (kept in the store, supervised like the rest). */
  startProgram(q: { name: string; argv: string[]; cwd: string; env?: Record<string, string>; instances?: number; restart?: 'always' | 'on-failure' | 'never'; user?: string }): Promise<JobView[]> {
    return this.call('POST', '/v1/programs/start', q);
  }
  /** Stops and forgets programs started with startProgram. */
  deletePrograms(names: string[]): Promise<{ deleted: string[] }> { return this.call('POST', '/v1/programs/delete', { names }); }
  /** Sets the number of instances of a program started with startProgram. */
  scale(name: string, instances: number): Promise<{ name: string; from: number; to: number; jobs: JobView[] }> {
    return this.call('POST', '/v1/programs/scale', { name, instances });
  }
  /** One row per program: source, instances, running, pids, restarts. */
  programs(): Promise<ProgramRow[]> { return this.call('GET', '/v1/programs'); }
  /** Everything known about a program: spec, jobs, pids, restarts, last exits, log paths, limits. */
  describe(name: string): Promise<ProgramDescription> { return this.call('GET', `/v1/programs/describe?name=${encodeURIComponent(name)}`); }
  /** Starts programs ('all' for every one). */
  start(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/start', { names }); }
  /** Follows the named jobs (the ones wanted up) until each is running (ready), ended well, failed, or `seconds` pass, as `up --wait`. */
  waitUp(names: string[], seconds: number): Promise<{ wait: UpWait }> { return this.call('POST', '/v1/programs/wait', { names, wait: seconds }); }
  /** Stops programs; resolves when nothing of them is left running. */
  stop(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/stop', { names }); }
  /** Stops, then starts programs. */
  restart(names: string[]): Promise<JobView[]> { return this.call('POST', '/v1/restart', { names }); }
  /** Sends a signal to programs' process groups. */
  signal(signal: string | number, names: string[]): Promise<{ signal: string; sent: number; refused?: { name: string; job: number; error: string }[] }> { return this.call('POST', '/v1/signal', { signal, names }); }
  /** Stops everything, then the daemon. */
  down(): Promise<{ stopping: boolean }> { return this.call('POST', '/v1/down'); }
  /** Accounting records, oldest first: the last `limit`, filtered (`uid` is honoured for root only; others get their own). */
  /** Accounting records; `job`: a job spec (`%3`) of the caller's, whose records only. Each has
   *  `number`, its job's %N while that job is still there. */
  acct(q: { program?: string; job?: string; command?: string; uid?: number; since?: number; until?: number; limit?: number } = {}): Promise<RecordView[]> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    return this.call('GET', `/v1/acct?${p}`);
  }
  /** The last lines programs wrote (all programs without a name), merged in time order (bounded: 100,000 lines; readLogs streams). */
  logs(q: { name?: string; n?: number; stream?: 'stdout' | 'stderr'; since?: string } = {}): Promise<{ lines: LogLine[]; warnings: string[] }> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    return this.call('GET', `/v1/logs?${p}`);
  }
  /** Streams the last n lines (or those since a time) merged in time order: text as `logs` shows it
   *  (times in zone tz), or NDJSON LogLines. Read `body` at your pace: the daemon waits for you. */
  async readLogs(q: { name?: string; n?: number; stream?: 'stdout' | 'stderr'; since?: string; tz?: string; format?: 'text' | 'ndjson' } = {}): Promise<{ body: NodeJS.ReadableStream; warnings: string[] }> {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    // node:http, for a body read at the caller's pace: loaded by this call only.
    const { readJson, unixRead } = await import('./read-stream.js');
    const read = () => unixRead(this.socket, `/v1/logs/read?${p}`);
    let r;
    try {
      r = await read();
    } catch (err) {
      if (!unreachable(err) || !this.t.reach) throw err;
      await this.t.reach(); // no daemon yet: start it as any other call would
      r = await read();
    }
    if (r.status >= 400) {
      const e = ((await readJson(r.body)) as { error?: { code: string; message: string } }).error;
      throw new AppinitError(e?.code ?? 'error', e?.message ?? `HTTP ${r.status}`, r.status);
    }
    const h = r.headers['x-appinit-warnings'];
    const warnings = typeof h === 'string' ? (JSON.parse(decodeURIComponent(h)) as string[]) : [];
    return { body: r.body, warnings };
  }
  /** Follows programs' logs (all without a name); returns a function that stops following.
   *  The last n lines (or those since a time) come first. onLine gets `{missed: N}` when this
   *  reader was too slow and N lines were skipped, `{warning}` for what the daemon wants said. */
  followLogs(q: { name?: string; stream?: 'stdout' | 'stderr'; n?: number; since?: string; tz?: string }, onLine: (l: LogLine | { missed: number } | { warning: string }) => void, onEnd: (err?: Error) => void = () => {}): () => void {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v != null) p.set(k, String(v));
    if (!this.t.stream) throw new AppinitError('usage', 'followLogs: this transport cannot stream', 0);
    return this.t.stream(`/v1/logs/follow?${p}`, (v) => onLine(v as LogLine), onEnd);
  }
  /** Empties programs' logs (live and rotated files). */
  flushLogs(names: string[]): Promise<{ flushed: string[] }> { return this.call('POST', '/v1/logs/flush', { names }); }
  /** Makes the daemon reopen every log file, after an external tool rotated them. */
  reopenLogs(): Promise<{ reopened: boolean }> { return this.call('POST', '/v1/logs/reopen'); }

  // job control
  /** Creates a job for a command (held until `startJob` when hold is set). */
  run(q: { argv: string[]; name?: string; user?: string; cwd?: string; env?: Record<string, string>; tty?: boolean; rows?: number; cols?: number; hold?: boolean; umask?: number }): Promise<{ id: number; job: number; pid: number | null; command: string; tty: boolean }> {
    return this.call('POST', '/v1/run', q);
  }
  /** Starts a held job. */
  startJob(id: number): Promise<{ id: number; job: number }> { return this.call('POST', '/v1/jobs/start', { id }); }
  /** The caller's jobs, as bash's `jobs` (finished ad-hoc jobs are reported once, then forgotten);
   *  with `keep`, none is reported: the caller reports the ones it printed with jobsReported. */
  jobs(o: { keep?: boolean } = {}): Promise<(JobsRow & { id: number; name: string; tty: boolean })[]> {
    return this.call('GET', o.keep ? '/v1/jobs?keep=1' : '/v1/jobs');
  }
  /** Reports these ended jobs (by id) as `jobs` reports what it printed: forgotten, their ends kept for `wait PID`. */
  jobsReported(ids: number[]): Promise<{ reported: number }> { return this.call('POST', '/v1/jobs/reported', { ids }); }
  /** Continues a job (if stopped) for a terminal to attach to: by job spec, or by id. With
   *  `resume: false` it only finds the job (attach first, then continue it, so no end is missed). */
  fg(spec?: string | { id: number }, o: { resume?: boolean } = {}): Promise<{ id: number; job: number; command: string; tty: boolean; pid: number }> {
    return this.call('POST', '/v1/fg', { ...(typeof spec === 'object' ? spec : { spec }), resume: o.resume ?? true });
  }
  /** Continues a stopped job in the background. */
  bg(spec?: string): Promise<{ job: number; command: string }> { return this.call('POST', '/v1/bg', { spec }); }
  /** Sends a signal to job specs, pids of the caller's jobs, or program names. */
  kill(targets: string[], signal: string | number = 'TERM'): Promise<{ signal: string; results: { target: string; ok: boolean; error?: string }[] }> {
    return this.call('POST', '/v1/kill', { targets, signal });
  }
  /** Signals every job whose command matches a pattern. */
  /** pkill: PATTERN against process names (comm), or with `full` whole command lines; every match is signalled. */
  pkill(pattern: string, signal: string | number = 'TERM', full = false): Promise<{ signal: string; jobs: number[]; processes: { pid: number; job: number; comm: string; command: string }[]; refused?: { pid: number; job: number; comm: string; error: string }[] }> {
    return this.call('POST', '/v1/pkill', { pattern, signal, full });
  }
  /** Waits for a job to end; its status as a shell reports it (128+N for a signal). */
  /** wait for one job (its status), or with no spec for every job of the caller (status 0), as bash's `wait`. */
  /** bash's `wait`: a job spec or a pid of one of your jobs (its status; 128+N for a stopped
   *  job, `stopped: true`), or every job of yours that ends by itself (status 0; `stopped`: those
   *  not waited for because they are stopped). */
  wait(spec?: string): Promise<{ job: number | null; status: number; jobs?: number[]; stopped?: boolean | number[]; lastExit?: { code: number | null; signal: number | null; core: boolean } | null; execFailed?: { said: string; status: number } | null }> { return this.waitCall({ spec }); }
  /** bash's `wait -n`: the first of these jobs (or of every job that ends by itself) to end, and its status; 127 when there is none. */
  waitAny(specs?: string[]): Promise<{ job: number | null; status: number; missing?: string[] }> { return this.waitCall({ any: true, specs }); }

  // A wait outlives a daemon killed while it waits: it is asked again of the next one (started by
  // the transport, as any call starts one), which re-adopts the jobs and has the end the helper kept.
  // The system daemon is started by no client: after a kill -9 a wait holds on while it comes
  // back (its service manager, root), for as long as a resource wait does.
  private async waitCall<T>(body: Record<string, unknown>): Promise<T> {
    let lostSince: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<T>('POST', '/v1/wait', body);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ECONNRESET' || code === 'EPIPE') {
          if (attempt >= WAIT_RETRIES) throw err;
          continue;
        }
        // Refused after the wait was sent once: the daemon is away, not absent (EACCES: the next
        // one's socket, made 0600, is not yet opened to every user).
        if (attempt > 0 && (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES')) {
          lostSince ??= Date.now();
          if (Date.now() - lostSince < RECONNECT_WINDOW_MS) {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
        }
        throw err;
      }
    }
  }

  // monitoring
  /** Processes for ps / pstree: every one on the machine (all) or only the jobs'; cmdline and wchan only when asked. */
  procs(q: { all?: boolean; cmdline?: boolean; wchan?: boolean } = {}): Promise<ProcsView> {
    return this.call('GET', `/v1/monitor/procs?all=${q.all ? 1 : 0}&cmdline=${q.cmdline === false ? 0 : 1}&wchan=${q.wchan ? 1 : 0}`);
  }
  /** One system snapshot for top (procs) or stat (procs: false). */
  snapshot(procs = true): Promise<SnapshotView> { return this.call('GET', `/v1/monitor/snapshot?procs=${procs ? 1 : 0}`); }
  /** Sends a signal to one pid (the daemon checks the caller may). */
  signalPid(pid: number, signal: string | number): Promise<SignalPidResult> { return this.call('POST', '/v1/monitor/signal', { pid, signal }); }
  /** The sampled CPU and memory history of a program's jobs (or %N). */
  history(name: string, limit?: number): Promise<HistoryView> {
    return this.call('GET', `/v1/monitor/history?name=${encodeURIComponent(name)}${limit != null ? `&limit=${limit}` : ''}`);
  }
  /** CPU times of the daemon and of its ended children. */
  times(): Promise<TimesView> { return this.call('GET', '/v1/monitor/times'); }

  // scheduling
  /** Queues an at job: `script` runs with /bin/sh at the time `spec` names (read in `tz`), in `cwd` with `env`. */
  atAdd(job: { spec?: string; t?: string; script: string; cwd: string; env: Record<string, string>; tz?: string; queue?: string; umask?: number }): Promise<AtView> {
    return this.call('POST', '/v1/at', job);
  }
  /** The at queue (the caller's jobs; root: everyone's), by time; running jobs have queue "=". */
  atList(): Promise<AtView[]> { return this.call('GET', '/v1/at'); }
  /** One at job with its job file (what at -c prints). */
  atShow(id: number): Promise<AtJobView> { return this.call('GET', `/v1/at/job?id=${id}`); }
  /** Removes queued at jobs; each one that cannot be removed is in `errors`. */
  atRemove(ids: number[]): Promise<{ removed: number[]; errors: { id: number; message: string }[] }> { return this.call('POST', '/v1/at/remove', { ids }); }
  /** A crontab (the caller's; another user's for root). */
  crontabGet(user?: string): Promise<{ user: string; uid: number; text: string; installedAt: number }> {
    return this.call('GET', `/v1/crontab${user ? `?user=${encodeURIComponent(user)}` : ''}`);
  }
  /** Installs a crontab, checked whole first: on any error (code "crontab", details: the issues) nothing changes. */
  crontabSet(text: string, file?: string, user?: string): Promise<{ user: string; uid: number; entries: number; warnings: string[] }> {
    return this.call('POST', '/v1/crontab', { text, file, user });
  }
  /** Removes a crontab. */
  crontabRemove(user?: string): Promise<{ user: string; removed: boolean }> { return this.call('POST', '/v1/crontab/remove', { user }); }
  /** Every schedule (crontab entries, cron and at programs) with its next and last run. */
  schedules(): Promise<ScheduleView[]> { return this.call('GET', '/v1/schedule'); }

  // resources (appinit's own locks, semaphores and queues)
  /** A named mutex: `await c.mutex('db').withLock(fn)`. */
  mutex(name: string): Mutex { return new Mutex(this.t, name, this.fast); }
  /** A named counting semaphore. */
  semaphore(name: string): Semaphore { return new Semaphore(this.t, name, this.fast); }
  /** A named message queue. */
  queue(name: string): Queue { return new Queue(this.t, name, this.fast); }
  /** Several resources at once, all or nothing; units held until released by the caller's end. */
  acquire(wants: Record<string, number>, opts: { wait?: boolean } = {}): Promise<void> { return acquire(this.t, wants, opts, this.fast); }
  /** Removes resources (their owner or root). */
  removeResources(names: string[]): Promise<{ removed: string[] }> { return this.call('POST', '/v1/resources/remove', { names }); }
  /** appinit's resources with holders and waiters (ipcs). */
  resources(): Promise<ResourceList> { return this.call('GET', '/v1/resources'); }
  /** Hands what this process holds on to its child `pid` too, as flock(1)'s command inherits the lock (appinit lock uses it). */
  adoptHolder(pid: number): Promise<{ adopted: boolean }> { return this.call('POST', '/v1/resources/adopt', { pid }); }
  /** The live deadlock matrices and the detection result. */
  deadlock(): Promise<DeadlockView> { return this.call('GET', '/v1/deadlock'); }

  // the dashboard
  /** Serves the dashboard (at `listen`, default 127.0.0.1:8181) and gives the caller's URL and tokens. */
  web(q: { listen?: string; cert?: string; key?: string; insecure?: boolean } = {}): Promise<WebView> { return this.call('POST', '/v1/web', q); }
}

/** appinit's resources, as GET /v1/resources lists them. */
export interface ResourceList {
  /** value and initial: null for a resource the caller may not read (its mode gives them no read bit). */
  resources: { name: string; kind: string; value: number | null; initial?: number | null; maxBytes: number; uid: number; gid: number; mode: number; created: number;
    holders: { holder: string; units: number }[]; waiters: string[]; messages: number; bytes: number }[];
  events: { at: number; text: string }[];
  /** The daemon's counters: requests refused as deadlocks since it started. */
  stats?: { deadlocksRefused: number };
}

/** The live deadlock state: E, A, C, R with named rows and columns, and the detection. */
export interface DeadlockView {
  /** existing, available and a step's available are null where the caller may not read the resource's value. */
  resources: string[]; holders: string[]; existing: (number | null)[]; available: (number | null)[]; allocation: number[][]; request: number[][];
  deadlocked: string[]; order: string[]; steps: { run: string; available: (number | null)[] }[];
}

/** True when a daemon answers on the home's socket. */
export async function isRunning(home = appinitHome()): Promise<boolean> {
  try {
    await unixTransport(socketPath(home))('GET', '/v1/info');
    return true;
  } catch {
    return false;
  }
}

/** Starts a daemon in the background (once, however many callers race) and waits (bounded)
 *  until it answers; returns its pid, or null when one was already serving the home. The starter
 *  (locking, the home's checks, the daemon's environment) is loaded only when it is needed. */
export async function startBackgroundDaemon(home: string): Promise<number | null> {
  return (await import('../api/autostart.js')).ensureDaemon(home);
}

/** How many times a wait is asked again after its daemon went away mid-answer. */
const WAIT_RETRIES = 5;

// The socket is not there or nobody listens on it: the request never reached a daemon.
function unreachable(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

// A transport that starts the daemon when a call finds none, then sends that call again; also when
// the daemon went away (kill -9) with the call unread (wasUnread: it never reached a handler).
// Finding out costs nothing while a daemon runs: no call is made just to ask. A program outlives
// many daemons: each start is shared by the calls that race for it, then forgotten.
function autostarting(home: string, base: Transport, onStart?: (pid: number) => void): Transport {
  let starting: Promise<void> | null = null;
  const start = () => (starting ??= startBackgroundDaemon(home).then((pid) => { if (pid != null) onStart?.(pid); }, (err: unknown) => {
    // Why no daemon could be started, as an AppinitError (its own code when it has one: untrusted_home).
    if (err instanceof AppinitError || !(err instanceof Error)) throw err;
    const code = (err as { code?: unknown }).code;
    throw new AppinitError(typeof code === 'string' && /^[a-z_]+$/.test(code) ? code : 'not_running', err.message, 0, undefined, err);
  }).finally(() => { starting = null; }));
  const t: Transport = async (method, path, body) => {
    try {
      return await base(method, path, body);
    } catch (err) {
      if (!unreachable(err) && !wasUnread(err)) throw err;
      await start();
      return base(method, path, body);
    }
  };
  t.reach = start;
  t.stream = (path, onLine, onEnd) => {
    let closed = false;
    let close = (): void => {};
    const open = (retry: boolean): void => {
      // A follow is a GET: asked again of a started daemon when none answered, or when one dying
      // (a kill -9 a moment ago) reset the connection before any line.
      let lines = 0;
      close = base.stream!(path, (v) => { lines++; onLine(v); }, (err) => {
        const reset = lines === 0 && (errnoOf(err) === 'ECONNRESET' || errnoOf(err) === 'EPIPE');
        if (err && retry && (unreachable(err) || reset)) start().then(() => { if (!closed) open(false); }, onEnd);
        else onEnd(err);
      });
    };
    open(true);
    return () => {
      closed = true;
      close();
    };
  };
  return t;
}

/** Connects to the daemon of a home, starting it when the first call finds none (as PM2 does); with
 *  autostart: false, fails now when none is running. */
export async function connect(opts: ConnectOptions = {}): Promise<Client> {
  if (opts.system ?? (opts.home == null && systemMode())) return connectSystem(opts);
  // A relative home is the caller's, as APPINIT_HOME is (the daemon runs in /).
  const home = opts.home ? resolve(opts.home) : appinitHome();
  if (opts.transport) return new Client(opts.transport, home);
  const base = unixTransport(socketPath(home), { keepAlive: opts.keepAlive });
  // A program that keeps its connections gets the kept resource channel; a command line, plain HTTP.
  const fast = opts.keepAlive !== false;
  if (opts.autostart !== false) return new Client(autostarting(home, base, opts.onStart), home, socketPath(home), fast);
  if (!(await isRunning(home))) throw new AppinitError('not_running', `appinit: no daemon is running for ${home}`, 0);
  return new Client(base, home, socketPath(home), fast);
}

// The system daemon serves every user from one socket; only root starts it (`appinit daemon
// --system` or its boot unit), so a call that finds none says so rather than starting one.
async function connectSystem(opts: ConnectOptions): Promise<Client> {
  const home = systemHome();
  const sock = systemSocketPath();
  if (opts.transport) return new Client(opts.transport, home, sock);
  const base = unixTransport(sock, { keepAlive: opts.keepAlive });
  try {
    await base('GET', '/v1/info');
  } catch (err) {
    const root = (process.geteuid?.() ?? 0) === 0;
    const how = root ? 'start it with `appinit daemon --system` (or its boot unit, `appinit startup`)'
      : 'only root can start it (`appinit daemon --system`, or its boot unit); a user cannot start the system daemon';
    throw new AppinitError('not_running', `no system daemon answers on ${sock} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${how}`, 0);
  }
  return new Client(base, home, sock, opts.keepAlive !== false);
}
