// The scheduler: starts every scheduled run as an ordinary job at its second. It sleeps until
// the next due time — a timer of min(next - now, 30 s), then reads the wall clock again — and
// asks plan.ts what is due; nothing polls. What it must not forget (the at queue, crontabs,
// when each schedule last ran, which jobs are runs) is in its own tables, which only it writes:
// the API asks it to queue, remove and install. It is told when `up` changed the programs (a
// call, programsChanged). Files (at job files, cron's "%" input) are written and removed
// outside transactions, before the jobs that read them start. The clock is injectable.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, unlink, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../os/proc/index.js';
import { getMeta, setMeta, type Db } from '../../store/db.js';
import type { Program } from '../../config/program.js';
import { scheduledPrograms } from '../../store/programs.js';
import {
  atOwners, deleteAt, deleteAts, deleteCrontab, deleteScheduledJob, endScheduledJob, getAt, getCrontab, insertAt, insertScheduledJob, listAt,
  listCrontabs, listScheduledJobs, loadStates, markAtStarted, pruneStates, putCrontab, saveState, unmarkAtStarted, type AtRow, type CrontabRow,
  type ScheduledJob, type ScheduleState,
} from '../../store/schedule.js';
import { isoWithOffset, parseCron, parseCrontab, type CronExpr, type CrontabEntry } from '../../schedule/index.js';
import { isResting, type Job, type Supervisor } from '../supervisor/runtime.js';
import { makeLogFiles } from './logs-ahead.js';
import { atProgramDue, atProgramNext, cronCatchUp, nextCron, overlapAction } from './plan.js';
import { atProgram, cronJobName, cronProgram, type CronOwner } from './programs.js';
import { byName } from '../compare.js';
import { BatchGate, batchRuleFromEnv, isBatchQueue, type BatchRule } from './batch.js';
import { readLoadavg } from '../../os/proc/system.js';

/** The longest sleep: a wall clock set forward is noticed within this. */
export const MAX_SLEEP = 30_000;
/** How long a finished at job stays in `status` before it is forgotten (its record and log stay). */
export const AT_KEEP = 10 * 60_000;
/** How long before its second a crontab or at run's job is created (started at the second). */
export const STAGE_AHEAD = 1000;
/**
 * How long before its second a run is started: its bookkeeping (the store's transaction, the
 * spawn request) is done then, and the requests wait in the helper's socket until the second
 * (Supervisor.holdSpawns). 400 runs due at once cost the daemon 40-130 ms before the last request
 * left (issue 17); that is no longer between the second and the process.
 */
export const PREPARE_AHEAD = 50;

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

/** The wall clock the scheduler reads and its one timer: injectable, so a test needs no real minute. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** What the scheduler needs of the supervisor (the Supervisor itself in the daemon). */
export type SchedulerHost = Pick<Supervisor, 'jobs' | 'on' | 'off' | 'createJob' | 'start' | 'stop' | 'forget'> & Partial<Pick<Supervisor, 'holdSpawns'>>;

/** Options of a scheduler. */
export interface SchedulerOptions {
  /** Where problems are told (default: stderr, which is the daemon's log). */
  note?: (line: string) => void;
  clock?: Clock;
  /** Where job files go (default HOME/spool); the system daemon's is shared, 0711. */
  spool?: string;
  /** The managed logs directory: a run's log files are made there up to STAGE_AHEAD before its
   *  second (logs-ahead.ts). Unset: the helper makes them at the spawn. */
  logs?: string | null;
  /** at's batch rule (batch.ts); default: the load average of /proc/loadavg and the daemon's
   *  APPINIT_BATCH_LOAD and APPINIT_BATCH_INTERVAL. */
  batch?: BatchRule;
}

/** A new at job, as the API received it (the caller's identity is the kernel's): a row without its number, job and time of queueing. */
export type AtRequest = Omit<AtRow, 'id' | 'job' | 'createdAt'>;

// A file to write or remove once the transaction that decided it has committed.
type FileOp = { write: string; text: string; uid: number } | { unlink: string };

/** One schedule: a program of the control file with cron or at, or one crontab entry. */
interface Source {
  key: string; // program:NAME | cron:UID:LINE
  kind: 'program' | 'crontab';
  name: string;
  sig: string;
  schedule: string;
  tz: string | null;
  /** null for an at program */
  expr: CronExpr | null;
  next: number | null;
  /** runs due up to here were handled (run, skipped or queued) */
  last: number | null;
  /** when a run last started */
  lastRun: number | null;
  overlap: 'allow' | 'skip' | 'queue';
  missed: 'skip' | 'run-once';
  pending: boolean;
  skipped: number;
  /** crontab entries only */
  uid: number;
  entry: CrontabEntry | null;
  owner: CronOwner | null;
  plannedAt: number;
  /** at programs: the resolved time */
  due: number | null;
}

/** One schedule as `appinit cron list` shows it. */
export interface ScheduleView {
  source: string;
  kind: 'program' | 'crontab';
  name: string;
  uid: number;
  schedule: string;
  tz: string | null;
  /** ms since the epoch, or null when it will not run again */
  next: number | null;
  /** when a run last started */
  last: number | null;
  overlap: string;
  missed: string;
  pending: boolean;
  skipped: number;
  /** job numbers of its runs still known (running or the last one) */
  jobs: number[];
}

/** Where scheduled runs read their stdin from (at job files, cron's "%" input): private to the daemon. */
export function spoolDir(home: string): string {
  return join(home, 'spool');
}

/** Runs what is due: the at queue, crontab entries and the control file's cron and at programs. */
export class Scheduler {
  private readonly sources = new Map<string, Source>();
  private readonly queue = new Map<number, AtRow>();
  private readonly runs = new Map<number, ScheduledJob>();
  private states = new Map<string, ScheduleState>();
  private timer: unknown = null;
  private stopped = false;
  /** Program schedules that are due but whose jobs do not carry their schedule yet (`up` under way). */
  private readonly waiting = new Set<string>();
  /** Jobs created ahead of their run, by `source@due`. */
  private readonly staged = new Map<string, Job>();
  private readonly startedAt: number;
  private readonly spool: string;
  private readonly daemonUid = process.getuid?.() ?? 0;
  private readonly note: (line: string) => void;
  private readonly clock: Clock;
  private files: FileOp[] = [];

  constructor(private readonly sup: SchedulerHost, private readonly db: Db, home: string, opts: SchedulerOptions = {}) {
    this.spool = opts.spool ?? spoolDir(home);
    this.note = opts.note ?? ((l) => process.stderr.write(`appinit: scheduler: ${l}\n`));
    this.clock = opts.clock ?? systemClock;
    this.logs = opts.logs ?? null;
    this.startedAt = this.clock.now();
    this.batch = new BatchGate(opts.batch ?? batchRuleFromEnv(process.env, () => readLoadavg().one, this.note));
  }

  /** at's batch rule; `batchAgain`: when to look again at batch jobs that wait (load, interval). */
  private readonly batch: BatchGate;
  private batchAgain: number | null = null;

  private readonly logs: string | null;
  /** Programs whose runs' log files are to be made once the transaction is over (stage). */
  private logsAhead: Program[] = [];
  /** The run of each program source whose log files are made (the timer wakes STAGE_AHEAD before one that is not). */
  private logsMade = new WeakMap<Source, number>();

  // Runs f in one transaction, then does the file work it asked for (never inside: a slow disk
  // must not hold the store's lock), then starts the jobs it gathered (their files exist by then).
  private tx(f: (go: Job[]) => void): void {
    const go: Job[] = [];
    let release = 0;
    try {
      this.db.transaction(() => f(go))();
    } finally {
      release = this.releaseAt;
      this.releaseAt = 0;
      const ops = this.files;
      this.files = [];
      for (const op of ops) {
        try {
          if ('write' in op) this.writeSpool(op.write, op.text, op.uid);
          else unlinkSync(op.unlink);
        } catch (err) {
          if ('write' in op || (err as NodeJS.ErrnoException).code !== 'ENOENT') this.note(`${'write' in op ? op.write : op.unlink}: ${(err as Error).message}`);
        }
      }
      const logs = this.logsAhead;
      this.logsAhead = [];
      // A failure here costs nothing but the time saved: the helper makes them at the spawn.
      for (const p of logs) try { makeLogFiles(this.logs as string, p); } catch { /* the helper's to make, or to refuse */ }
    }
    if (!go.length) return;
    // Runs started ahead of their second: their requests leave at the second, not before.
    const wait = release - this.clock.now();
    if (wait > 0) this.sup.holdSpawns?.(Math.min(wait, PREPARE_AHEAD));
    this.sup.start(go);
  }

  /** The latest second among the runs fired by this transaction (0: none ahead of its time). */
  private releaseAt = 0;

  /** Loads what is stored, catches up what fell while no daemon ran, and starts the timer. */
  start(): this {
    mkdirSync(this.spool, { recursive: true, mode: 0o700 });
    this.states = loadStates(this.db);
    for (const r of listScheduledJobs(this.db)) this.runs.set(r.job, r);
    this.sup.on('rest', this.onRest);
    const now = this.clock.now();
    this.tx((go) => {
      this.reconcileRuns(now);
      for (const a of listAt(this.db)) {
        if (a.job == null) this.queue.set(a.id, a);
      }
      this.planPrograms(now);
      for (const c of listCrontabs(this.db)) this.planCrontab(c.uid, now);
      this.rebootRuns(now, go);
    });
    this.cleanSpool();
    this.wake();
    return this;
  }

  /** Stops the timer; running jobs are the supervisor's. */
  stop(): void {
    this.stopped = true;
    if (this.timer != null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.sup.off('rest', this.onRest);
  }

  // ---------- what the API asks of it ----------

  /** Queues an at job and returns it with its number. */
  addAt(req: AtRequest): AtRow {
    // The job file is written now, as atd's spool: the second it is due costs only a start.
    const a = insertAt(this.db, { ...req, createdAt: this.clock.now() });
    this.writeSpool(this.atFile(a.id), a.script, a.uid);
    this.queue.set(a.id, a);
    // Re-arm only when it comes before what the timer waits for: adding to a long queue
    // costs the same as adding to an empty one.
    if (this.timer == null || a.runAt - STAGE_AHEAD < this.armedFor) this.rearm();
    return a;
  }

  /** Every at job, queued or running, by time. */
  atList(): AtRow[] {
    return listAt(this.db);
  }

  /** One at job, or null. */
  atGet(id: number): AtRow | null {
    return getAt(this.db, id);
  }

  /**
   * Removes queued at jobs that `may` allows (another user's job reads as missing); a running
   * one is refused with the job number that stops it. One query and one delete for the whole
   * list: removing 10,000 must not block the daemon.
   */
  removeAt(ids: number[], may: (a: { uid: number }) => boolean): { removed: number[]; errors: { id: number; message: string }[] } {
    const removed: number[] = [];
    const errors: { id: number; message: string }[] = [];
    this.tx(() => {
      const owners = atOwners(this.db, ids);
      const seen = new Set<number>();
      for (const id of ids) {
        const a = owners.get(id);
        if (a == null || !may(a) || seen.has(id)) errors.push({ id, message: `cannot find job ${id}` }); // named twice: gone by the second
        else if (a.job != null) {
          const j = this.sup.jobs.get(a.job);
          errors.push({ id, message: `job ${id} is running${j ? `; stop it with: appinit stop %${j.number}` : ''}` });
        } else removed.push(id);
        seen.add(id);
      }
      deleteAts(this.db, removed);
      for (const id of removed) {
        this.queue.delete(id);
        const prefix = `at:${id}@`;
        for (const k of this.staged.keys()) {
          if (k.startsWith(prefix)) {
            this.unstage(prefix);
            break;
          }
        }
      }
    });
    // Not waited for: removing 10,000 at jobs must not block the daemon on 10,000 unlinks.
    for (const id of removed) unlink(this.atFile(id), () => { /* none */ });
    // No re-arm: a timer set for a removed job wakes early, finds nothing due and sleeps again.
    return { removed, errors };
  }

  /** A user's crontab as installed, or null. */
  crontab(uid: number): CrontabRow | null {
    return getCrontab(this.db, uid);
  }

  /** Installs (replaces) a user's crontab, already checked whole by the caller. */
  setCrontab(c: { uid: number; user: string; text: string }): void {
    const now = this.clock.now();
    this.tx(() => {
      putCrontab(this.db, { ...c, installedAt: now });
      this.crontabChanged(c.uid, now);
    });
    this.rearm();
  }

  /** Removes a user's crontab; false when there was none. */
  removeCrontab(uid: number): boolean {
    let had = false;
    this.tx(() => {
      had = deleteCrontab(this.db, uid);
      if (had) this.crontabChanged(uid, this.clock.now());
    });
    this.rearm();
    return had;
  }

  /** `up` changed the programs and their jobs: plan their schedules again, and run what waited for it. */
  programsChanged(): void {
    if (this.stopped) return;
    this.tx(() => this.guard('programs', () => this.planPrograms(this.clock.now())));
    this.rearm();
  }

  private crontabChanged(uid: number, now: number): void {
    this.unstage(`cron:${uid}:`);
    this.planCrontab(uid, now);
    this.sweep(now);
  }

  /** Every schedule, by key. */
  list(): ScheduleView[] {
    const jobsOf = new Map<string, number[]>();
    for (const r of this.runs.values()) {
      const j = this.sup.jobs.get(r.job);
      if (j) jobsOf.set(r.source, [...(jobsOf.get(r.source) ?? []), j.number]);
    }
    return [...this.sources.values()].sort((a, b) => byName(a.key, b.key)).map((s) => {
      const own = s.kind === 'program' ? this.programJobs(s.name) : [];
      return {
        source: s.key, kind: s.kind, name: s.name, uid: s.kind === 'program' ? (own[0]?.ownerUid ?? this.daemonUid) : s.uid,
        schedule: s.schedule, tz: s.tz, next: s.next, last: s.lastRun, overlap: s.overlap, missed: s.missed, pending: s.pending,
        skipped: s.skipped, jobs: [...own.map((j) => j.number), ...(jobsOf.get(s.key) ?? [])],
      };
    });
  }

  // ---------- the timer ----------

  private readonly wake = (): void => {
    this.timer = null;
    if (this.stopped) return;
    const now = this.clock.now();
    // Runs due within PREPARE_AHEAD are started now and released at their second (tx).
    const horizon = now + PREPARE_AHEAD;
    this.tx((go) => this.indexed(() => {
      for (const s of this.sources.values()) {
        if (s.next == null || s.next > horizon || this.waiting.has(s.key)) continue;
        if (!this.ready(s)) this.waiting.add(s.key);
        else this.guard(s.name, () => this.fire(s, now, go));
      }
      const batchDue: AtRow[] = [];
      for (const a of [...this.queue.values()]) {
        if (a.runAt > horizon) continue;
        // A batch job goes once its time has come, by the batch rule (batch.ts), one per look.
        if (isBatchQueue(a.queue)) {
          if (a.runAt <= now) batchDue.push(a);
          continue;
        }
        this.guard(`at-${a.id}`, () => this.fireAt(a, go));
      }
      const b = this.batch.pick(batchDue, now);
      this.batchAgain = b.again;
      if (b.go) this.guard(`at-${b.go.id}`, () => this.fireAt(b.go!, go));
      // One call for every run due now: tx makes it, after the commit and the files.
    }));
    // Once they run: a run's job not started yet would look finished to the sweep.
    this.tx(() => {
      this.stage(now);
      this.sweep(now);
    });
    this.arm();
  };

  private arm(): void {
    if (this.stopped) return;
    let next = Infinity;
    for (const s of this.sources.values()) {
      if (s.next == null || this.waiting.has(s.key)) continue;
      const early = s.kind === 'crontab' ? !this.staged.has(`${s.key}@${s.next}`) : this.logs != null && this.logsMade.get(s) !== s.next;
      const t = early ? s.next - STAGE_AHEAD : s.next - PREPARE_AHEAD;
      if (t < next) next = t;
    }
    if (this.batchAgain != null && this.batchAgain < next) next = this.batchAgain;
    for (const a of this.queue.values()) {
      // Most of a long queue is far off: compare numbers first, build a key only for the few
      // that could come first (a full scan with a string per job made 10,000 removals take 30 s).
      if (a.runAt - STAGE_AHEAD >= next) continue;
      // A batch job is not staged (it may wait long for the load): its time is when to look.
      if (isBatchQueue(a.queue)) {
        // Due, and no look planned (queued for now, or the look that found it had none due): look now.
        const at = a.runAt > this.clock.now() ? a.runAt : this.batchAgain ?? this.clock.now();
        if (at < next) next = at;
        continue;
      }
      const t = this.staged.has(`at:${a.id}@${a.runAt}`) ? a.runAt - PREPARE_AHEAD : a.runAt - STAGE_AHEAD;
      if (t < next) next = t;
    }
    // Deadlines are wall-clock times, read again at every wake: a sleep never outlasts 30 s.
    this.armedFor = next;
    const delay = Math.min(Math.max(next - this.clock.now(), 0), MAX_SLEEP);
    this.timer = this.clock.setTimer(this.wake, delay);
  }

  // Once per turn of the event loop however many changes asked for it: removing 10,000 at jobs
  // in one request re-arms once, not 10,000 times.
  private rearmPending = false;
  private armedFor = Infinity;
  private rearm(): void {
    if (this.rearmPending) return;
    this.rearmPending = true;
    setImmediate(() => {
      this.rearmPending = false;
      if (this.timer != null) this.clock.clearTimer(this.timer);
      this.timer = null;
      this.arm();
    });
  }

  // One failing run must not stop the others. No savepoint each (they cost more than the run):
  // each step below writes what marks it done last, so a failure leaves it to be tried again.
  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.note(`${what}: ${(err as Error).message}`);
    }
  }

  // ---------- runs ----------

  private fire(s: Source, now: number, go: Job[]): void {
    const due = s.next as number;
    this.releaseAt = Math.max(this.releaseAt, due);
    // Late by more than a period (a stalled loop, a clock set forward): one run for all of them.
    s.next = s.expr ? nextCron(s.expr, s.tz, Math.max(due, now)) : null;
    s.last = due;
    this.run(s, due, go);
    this.save(s, s.expr == null);
  }

  // Each job a run started, with its source and when the run was due: what the metrics count
  // (a `cron:` program's own job has no row of the runs table: it is the program's, not the run's).
  private readonly runStarts = new Map<number, { source: string; due: number }>();

  /** The scheduled run this job was started for, and when it was due; null for a job no run started. */
  runOf(job: number): { source: string; due: number } | null {
    return this.runStarts.get(job) ?? null;
  }

  // A run due at `due`: its jobs go to `go` (or it is skipped or queued, by overlap).
  private run(s: Source, due: number, go: Job[]): void {
    const started = go.length;
    this.runInto(s, due, go);
    // An `at:` program's time is a whole minute: loaded in the middle of it (`at: now`) it is due
    // from then, not from the minute's start.
    const from = s.kind === 'program' && s.expr == null ? Math.max(due, s.plannedAt) : due;
    for (let i = started; i < go.length; i++) this.runStarts.set(go[i].id, { source: s.key, due: from });
  }

  private runInto(s: Source, due: number, go: Job[]): void {
    if (s.kind === 'crontab') {
      go.push(this.takeStaged(s.key, due) ?? this.entryJob(s, due));
      s.lastRun = due;
      return;
    }
    const jobs = this.programJobs(s.name);
    if (jobs.length === 0) return this.note(`${s.name}: no job to run; load the control file again`);
    const action = overlapAction(s.overlap, this.busy(s, jobs));
    if (action === 'start' || action === 'extra') s.lastRun = due;
    if (action === 'start') {
      go.push(...jobs);
    } else if (action === 'extra') {
      for (const j of jobs) {
        if (isResting(j)) {
          go.push(j);
          continue;
        }
        const x = this.sup.createJob(j.spec, j.instance, j.ownerUid, null);
        this.track(x, s.key, due);
        go.push(x);
      }
    } else if (action === 'skip') {
      s.skipped++;
      this.note(`${s.name}: run of ${isoWithOffset(new Date(due))} skipped: the previous run is still running (overlap: skip)`);
    } else {
      if (s.pending) this.note(`${s.name}: a run is already waiting for the previous one to end; this one joins it (overlap: queue)`);
      s.pending = true;
    }
  }

  private fireAt(a: AtRow, go: Job[]): void {
    const job = this.takeStaged(`at:${a.id}`, a.runAt) ?? this.atJob(a);
    this.releaseAt = Math.max(this.releaseAt, a.runAt);
    // `at now` (or a time already past) is due when it was queued: at's times are whole minutes.
    this.runStarts.set(job.id, { source: `at:${a.id}`, due: Math.max(a.runAt, a.createdAt) });
    markAtStarted(this.db, a.id, job.id);
    this.queue.delete(a.id);
    go.push(job);
  }

  /**
   * Creates the jobs of runs due within STAGE_AHEAD, not started: creating a job (its row, its
   * number) costs more than starting it, and hundreds can fall on one second. A staged job
   * shows in `status` as stopped until its second.
   */
  private stage(now: number): void {
    const horizon = now + STAGE_AHEAD;
    const ahead = this.logs != null;
    for (const s of this.sources.values()) {
      if (s.next == null || s.next > horizon) continue;
      if (s.kind === 'program') {
        // A program's jobs exist already: only its log files (its instances share them).
        if (ahead && this.logsMade.get(s) !== s.next) {
          this.logsMade.set(s, s.next);
          const first = this.programJobs(s.name)[0];
          if (first) this.logsAhead.push(first.spec);
        }
        continue;
      }
      const k = `${s.key}@${s.next}`;
      const due = s.next;
      if (!this.staged.has(k)) this.guard(s.name, () => this.staged.set(k, this.staging(this.entryJob(s, due))));
    }
    for (const a of this.queue.values()) {
      if (isBatchQueue(a.queue)) continue; // made when it goes: it may wait long for the load
      const k = `at:${a.id}@${a.runAt}`;
      if (a.runAt <= horizon && !this.staged.has(k)) this.guard(`at-${a.id}`, () => this.staged.set(k, this.staging(this.atJob(a))));
    }
  }

  // A job just staged: its log files are made once the transaction is over.
  private staging(job: Job): Job {
    if (this.logs != null) this.logsAhead.push(job.spec);
    return job;
  }

  private takeStaged(source: string, due: number): Job | undefined {
    const k = `${source}@${due}`;
    const job = this.staged.get(k);
    this.staged.delete(k);
    return job && this.sup.jobs.has(job.id) ? job : undefined;
  }

  // Staged jobs of sources that changed or went: forgotten (their runs are staged again if due).
  private unstage(prefix: string): void {
    for (const [k, job] of [...this.staged]) {
      if (!k.startsWith(prefix)) continue;
      this.staged.delete(k);
      this.forgetRun(job.id);
    }
  }

  private entryJob(s: Source, due: number): Job {
    const e = s.entry as CrontabEntry;
    let stdin: string | null = null;
    if (e.input != null) {
      stdin = join(this.spool, `${s.key.replace(/:/g, '-')}-${due}.in`);
      this.files.push({ write: stdin, text: e.input, uid: s.uid });
    }
    const job = this.sup.createJob(cronProgram(e, s.owner as CronOwner, stdin), 0, s.uid, null);
    this.track(job, s.key, due);
    return job;
  }

  // A job file is read by the job, after it has become its user: a root daemon gives the file to
  // that user (0600), so a job run as bob opens it and nobody else can.
  private writeSpool(path: string, text: string, uid: number): void {
    writeFileSync(path, text, { mode: 0o600 });
    if (this.daemonUid !== 0 || uid === this.daemonUid) return;
    const u = lookupUser(uid);
    if (u) chownSync(path, u.uid, u.gid);
  }

  private atFile(id: number): string {
    return join(this.spool, `at-${id}`);
  }

  private atJob(a: AtRow): Job {
    // The job file was written when the job was queued (and again at start if it went).
    const file = this.atFile(a.id);
    const p = atProgram({ id: a.id, spec: a.spec, user: this.runAs(a.uid, a.user), env: a.env, umask: a.umask, command: a.command, spool: file });
    const job = this.sup.createJob(p, 0, a.uid, null);
    this.track(job, `at:${a.id}`, a.runAt);
    return job;
  }

  private track(job: Job, source: string, due: number): void {
    const r = { job: job.id, source, due, ended: null };
    this.runs.set(job.id, r);
    insertScheduledJob(this.db, r);
  }

  private forgetRun(id: number): void {
    this.runStarts.delete(id);
    const job = this.sup.jobs.get(id);
    if (job) {
      this.dropSpool(job);
      this.sup.forget(job);
    }
    this.runs.delete(id);
    deleteScheduledJob(this.db, id);
  }

  // A program's run waits until `up` has given its jobs the schedule it was planned from.
  private ready(s: Source): boolean {
    if (s.kind !== 'program') return true;
    const jobs = this.programJobs(s.name);
    return jobs.length > 0 && jobs.every((j) => JSON.stringify(j.spec.schedule) === s.sig);
  }

  private programJobs(name: string): Job[] {
    if (this.byProgram) return this.byProgram.get(name) ?? [];
    const out: Job[] = [];
    for (const j of this.sup.jobs.values()) if (j.program === name) out.push(j);
    return out.sort((a, b) => a.instance - b.instance);
  }

  // While a wake fires what is due, the jobs by program and the runs by source are read once:
  // looking them up per source made a second with 400 runs due O(N^2) (issue 17).
  private byProgram: Map<string, Job[]> | null = null;
  private runsBySource: Map<string, ScheduledJob[]> | null = null;

  private indexed<T>(f: () => T): T {
    const byProgram = new Map<string, Job[]>();
    for (const j of this.sup.jobs.values()) {
      if (j.program == null) continue;
      const list = byProgram.get(j.program);
      if (list) list.push(j);
      else byProgram.set(j.program, [j]);
    }
    for (const list of byProgram.values()) list.sort((a, b) => a.instance - b.instance);
    const runsBySource = new Map<string, ScheduledJob[]>();
    for (const r of this.runs.values()) {
      const list = runsBySource.get(r.source);
      if (list) list.push(r);
      else runsBySource.set(r.source, [r]);
    }
    this.byProgram = byProgram;
    this.runsBySource = runsBySource;
    try {
      return f();
    } finally {
      this.byProgram = null;
      this.runsBySource = null;
    }
  }

  private busy(s: Source, own: Job[]): boolean {
    if (own.some((j) => !isResting(j))) return true;
    for (const r of this.runsBySource ? this.runsBySource.get(s.key) ?? [] : this.runs.values()) {
      if (r.source !== s.key) continue;
      const j = this.sup.jobs.get(r.job);
      if (j && !isResting(j)) return true;
    }
    return false;
  }

  // The daemon's own user needs no switch (and a non-root daemon could not make one).
  private runAs(uid: number, name: string): string | null {
    return uid === this.daemonUid ? null : name;
  }

  // ---------- when a run ends ----------

  // Jobs that came to rest, handled together at the next turn: 400 runs of one second end within
  // a few hundred ms, and each had its own two transactions and a sweep over every run (issue 17).
  private resting = new Set<number>();
  private readonly onRest = (job: Job): void => {
    if (this.resting.size === 0) {
      setImmediate(() => {
        const ids = [...this.resting];
        this.resting.clear();
        if (!this.stopped) this.guard('rest', () => this.rested(ids));
      });
    }
    this.resting.add(job.id);
  };

  private rested(ids: number[]): void {
    const jobs = ids.map((id) => this.sup.jobs.get(id)).filter((j): j is Job => j != null && isResting(j));
    if (!jobs.length) return;
    // One failing job must not keep the others from being told (guard per job, as the runs of a wake).
    this.tx((go) => { for (const job of jobs) this.guard('rest', () => this.restedIn(job, go)); });
    this.tx(() => this.sweep(this.clock.now()));
  }

  private restedIn(job: Job, go: Job[]): void {
    const id = job.id;
    const now = this.clock.now();
    const run = this.runs.get(id);
    if (run && run.ended == null) {
      run.ended = now;
      endScheduledJob(this.db, id, now);
      this.dropSpool(job);
      if (run.source.startsWith('at:')) deleteAt(this.db, Number(run.source.slice(3)));
    }
    const key = run?.source ?? (job.program != null ? `program:${job.program}` : null);
    const s = key == null ? undefined : this.sources.get(key);
    if (s?.pending && !this.busy(s, this.programJobs(s.name))) {
      s.pending = false;
      this.run(s, now, go);
      this.save(s, s.expr == null);
    }
  }

  private dropSpool(job: Job): void {
    const stdin = job.spec.stdin;
    if (stdin.kind === 'file' && stdin.path.startsWith(this.spool + '/')) this.files.push({ unlink: stdin.path });
  }

  /**
   * Forgets runs that rest and are not worth a line in `status` any more, so job numbers stay
   * small: a crontab entry keeps its last run, an at job stays AT_KEEP after it ends, and an
   * extra job of a program (overlap: allow) goes as soon as it ends (the program's own job shows
   * its last run). Records and logs stay.
   */
  private sweep(now: number): void {
    const staged = new Set([...this.staged.values()].map((j) => j.id));
    const newest = new Map<string, number>();
    for (const r of this.runs.values()) if (!staged.has(r.job)) newest.set(r.source, Math.max(newest.get(r.source) ?? 0, r.job));
    for (const r of [...this.runs.values()]) {
      if (staged.has(r.job)) continue;
      const job = this.sup.jobs.get(r.job);
      if (job && !isResting(job)) continue;
      const ended = r.ended ?? now;
      const gone = !job
        || r.source.startsWith('program:')
        || (r.source.startsWith('cron:') && (newest.get(r.source) !== r.job || !this.sources.has(r.source)))
        || (r.source.startsWith('at:') && now - ended >= AT_KEEP);
      if (gone) this.forgetRun(r.job);
    }
  }

  // Runs that ended while no daemon was watching, and at jobs whose run is over.
  private reconcileRuns(now: number): void {
    const neverStarted = new Set<number>();
    for (const r of [...this.runs.values()]) {
      const job = this.sup.jobs.get(r.job);
      // Staged by the daemon before, never started: staged again when due.
      if (job && job.state === 'stopped' && job.startedAt == null && job.lastExit == null) {
        neverStarted.add(r.job);
        this.forgetRun(r.job);
        continue;
      }
      if (job && !isResting(job)) continue;
      if (r.ended == null) {
        r.ended = now;
        endScheduledJob(this.db, r.job, now);
      }
    }
    for (const a of listAt(this.db)) {
      if (a.job == null) continue;
      // Fired (its run made and marked) but never started: a daemon killed between the two. It is
      // queued again, and runs now if it is due; it was deleted, as a run that was over, and lost.
      if (neverStarted.has(a.job)) {
        unmarkAtStarted(this.db, a.id);
        continue;
      }
      const job = this.sup.jobs.get(a.job);
      if (!job || isResting(job)) deleteAt(this.db, a.id);
    }
  }

  // Job files of queued at jobs are there; those of runs that are over, or never started, go.
  private cleanSpool(): void {
    const live = new Set<string>();
    for (const j of this.sup.jobs.values()) if (!isResting(j) && j.spec.stdin.kind === 'file') live.add(j.spec.stdin.path);
    for (const a of this.queue.values()) {
      live.add(this.atFile(a.id));
      if (!existsSync(this.atFile(a.id))) this.writeSpool(this.atFile(a.id), a.script, a.uid);
    }
    for (const f of readdirSync(this.spool)) {
      const p = join(this.spool, f);
      if (!live.has(p)) try { unlinkSync(p); } catch { /* gone */ }
    }
  }

  // ---------- planning ----------

  private save(s: Source, done = false): void {
    const st = { key: s.key, sig: s.sig, last: s.last, lastRun: s.lastRun, due: s.due, done, plannedAt: s.plannedAt };
    this.states.set(s.key, st);
    saveState(this.db, st);
  }

  private planPrograms(now: number): void {
    const keep = new Set<string>();
    for (const p of scheduledPrograms(this.db)) {
      if (p.schedule.kind === 'service') continue;
      const key = `program:${p.name}`;
      keep.add(key);
      const sig = JSON.stringify(p.schedule);
      const cur = this.sources.get(key);
      if (cur && cur.sig === sig) {
        cur.overlap = p.overlap;
        cur.missed = p.missed;
        continue;
      }
      const st = this.states.get(key);
      const same = st != null && st.sig === sig;
      const s: Source = {
        key, kind: 'program', name: p.name, sig, schedule: p.schedule.kind === 'cron' ? p.schedule.expr : p.schedule.spec,
        tz: p.schedule.kind === 'cron' ? p.schedule.tz : null, expr: null, next: null, last: same ? st.last : null,
        lastRun: same ? st.lastRun : null,
        overlap: p.overlap, missed: p.missed, pending: false, skipped: 0, uid: this.daemonUid, entry: null, owner: null,
        plannedAt: same ? st.plannedAt : now, due: null,
      };
      try {
        if (p.schedule.kind === 'cron') {
          s.expr = parseCron(p.schedule.expr);
          const c = cronCatchUp(s.expr, s.tz, s.last, this.startedAt, now, p.missed);
          if (c.missed) this.note(`${p.name}: runs fell while the daemon was down; ${c.runNow ? 'running once now (missed: run-once)' : 'skipped (missed: skip)'}`);
          s.next = c.runNow ? now : nextCron(s.expr, s.tz, c.from);
          s.last = c.runNow ? s.last : c.from;
          this.save(s);
        } else {
          s.due = same && st.due != null ? st.due : atProgramDue(p.schedule.spec, now);
          const r = atProgramNext(s.due, same ? st.done : false, s.plannedAt, this.startedAt, now, p.missed);
          if (r.skipped) this.note(`${p.name}: its time ${isoWithOffset(new Date(s.due))} fell while the daemon was down; skipped (missed: skip)`);
          s.next = r.next;
          this.save(s, r.next == null);
        }
      } catch (err) {
        this.note(`${p.name}: not scheduled: ${(err as Error).message}`);
        continue;
      }
      this.sources.set(key, s);
    }
    for (const k of [...this.sources.keys()]) {
      if (!k.startsWith('program:') || keep.has(k)) continue;
      this.sources.delete(k);
      // `up` stops a removed program's own jobs; its extra runs (overlap: allow) go with them.
      const extras = [...this.runs.values()].filter((r) => r.source === k).map((r) => this.sup.jobs.get(r.job)).filter((j): j is Job => j != null && !isResting(j));
      if (extras.length) void this.sup.stop(extras);
    }
    this.waiting.clear();
    pruneStates(this.db, 'program:', keep);
  }

  private planCrontab(uid: number, now: number): void {
    const prefix = `cron:${uid}:`;
    const keep = new Set<string>();
    const row = getCrontab(this.db, uid);
    const user = row ? lookupUser(uid) : null;
    if (row && !user) this.note(`the crontab of uid ${uid} does not run: no such user`);
    if (row && user) {
      let entries: CrontabEntry[] = [];
      try {
        entries = parseCrontab(row.text, `crontab:${user.name}`).entries;
      } catch (err) {
        this.note((err as Error).message);
      }
      const owner: CronOwner = { name: user.name, home: user.home, runAs: this.runAs(uid, user.name) };
      for (const e of entries) {
        const key = `${prefix}${e.line}`;
        keep.add(key);
        const sig = JSON.stringify({ s: e.schedule.source, tz: e.tz, c: e.command, i: e.input, env: e.env, u: user.name });
        const cur = this.sources.get(key);
        if (cur && cur.sig === sig) continue;
        const st = this.states.get(key);
        const s: Source = {
          key, kind: 'crontab', name: cronJobName(user.name, e.line), sig, schedule: e.schedule.source, tz: e.tz,
          expr: e.schedule, next: null, last: st?.sig === sig ? st.last : null, lastRun: st?.sig === sig ? st.lastRun : null, overlap: 'allow', missed: 'skip', pending: false,
          skipped: 0, uid, entry: e, owner, plannedAt: now, due: null,
        };
        if (!e.schedule.reboot) {
          const c = cronCatchUp(e.schedule, e.tz, s.last, this.startedAt, now, 'skip');
          s.next = nextCron(e.schedule, e.tz, c.from);
          s.last = c.from;
          this.save(s);
        }
        this.sources.set(key, s);
      }
    }
    for (const k of [...this.sources.keys()]) if (k.startsWith(prefix) && !keep.has(k)) this.sources.delete(k);
    pruneStates(this.db, prefix, keep);
  }

  // @reboot: once per boot of the machine, not per start of the daemon.
  private rebootRuns(now: number, go: Job[]): void {
    let boot: string;
    try {
      boot = readFileSync(BOOT_ID, 'utf8').trim();
    } catch {
      return;
    }
    const seen = getMeta(this.db, 'schedule.boot_id');
    if (seen === boot) return;
    setMeta(this.db, 'schedule.boot_id', boot);
    if (seen == null) return; // first start of the scheduler: no crontab can have waited for this boot
    for (const s of this.sources.values()) {
      if (s.entry?.schedule.reboot) this.guard(s.name, () => {
        s.last = now;
        this.run(s, now, go);
        this.save(s);
      });
    }
  }
}
