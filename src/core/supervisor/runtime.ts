// The supervisor: owns the jobs, feeds them events from the helper and from people,
// persists every transition, and carries out the machine's effects through os/.
import { EventEmitter } from 'node:events';
import type { Program } from '../../config/program.js';
import { parseSignal } from '../../config/signals.js';
import { isSameProcess, sendSignal, ticksToEpoch } from '../../os/host.js';
import { decodeStatus, type ExitEvent, type OwnedChild, type Supervise } from '../../os/supervise.js';
import { getMeta, setMeta, type Db } from '../../store/db.js';
import { insertJob, liveJobs, removeJob, saveJob, saveJobSpec, type JobRow } from '../../store/jobs.js';
import { insertRecord } from '../../store/records.js';
import { step, type Effect, type JobEvent, type State } from './machine.js';
import { recentRestarts } from './policy.js';
import { buildSpawnRequest, type SpawnContext } from './spawn-request.js';
import { termination, UNKNOWN_END, type Termination } from './termination.js';

/** A job: its stored row plus what only the running daemon knows. */
export interface Job extends JobRow {
  state: State;
  lastExit: Termination | null;
  timer: NodeJS.Timeout | null;
  /** Live processes of the job other than the leader (adopted descendants). */
  others: Set<number>;
  /** Set when the helper that started it is gone: watched by polling /proc. */
  foreign: boolean;
  execError: string | null;
  /** The signal that stopped the leader (WUNTRACED), while suspended. */
  stopSig: number | null;
  /** When it was last stopped or sent to the background: bash's current (+) and previous (-). */
  touchedAt: number;
  /** A pty's initial size for the next spawn (from the terminal that runs it). */
  winsize: { rows: number; cols: number } | null;
}

/** A change of state, for the event stream and the foreground log. */
export interface JobChange {
  job: Job;
  from: State;
  to: State;
  note?: string;
}

const RESTING: State[] = ['stopped', 'exited', 'fatal'];

/** True when a job has nothing running and nothing pending. */
export function isResting(j: Job): boolean {
  return RESTING.includes(j.state) && j.pid == null && j.others.size === 0;
}

/** Supervises jobs through the native helper. Emits 'change' (JobChange) and 'record'. */
export class Supervisor extends EventEmitter {
  readonly jobs = new Map<number, Job>();
  private foreignPoll: NodeJS.Timeout | null = null;
  private childrenSeen = new Map<string, OwnedChild[]>();
  private readyWaiters: (() => void)[] = [];
  private isReady = false;

  constructor(private readonly db: Db, private readonly helper: Supervise, private readonly ctx: SpawnContext) {
    super();
    this.setMaxListeners(0);
  }

  /** Loads the stored jobs, connects to the helper and re-adopts what is still alive. */
  async init(): Promise<void> {
    for (const row of liveJobs(this.db)) {
      this.jobs.set(row.id, { ...row, state: row.state as State, lastExit: row.lastExit as Termination | null, timer: null, others: new Set(), foreign: false, execError: null, stopSig: null, touchedAt: row.createdAt, winsize: null });
    }
    this.helper.on('batch', (batch: Record<string, unknown>[]) => this.onBatch(batch));
    this.helper.on('close', () => this.onHelperLost());
    await this.helper.connect();
    await new Promise<void>((resolve) => (this.isReady ? resolve() : this.readyWaiters.push(resolve)));
  }

  // ---------- helper events ----------

  // The helper's epoch and the last event stored, mirrored in memory (read once per process).
  private stored: { epoch: string | null; seq: number } | null = null;

  private onBatch(batch: Record<string, unknown>[]): void {
    const stored = (this.stored ??= { epoch: getMeta(this.db, 'helper_epoch'), seq: Number(getMeta(this.db, 'helper_seq') ?? 0) });
    const epoch = stored.epoch;
    let lastSeq = stored.seq;
    let maxSeq = 0;
    this.db.transaction(() => {
      for (const msg of batch) {
        if (typeof msg.seq === 'number') {
          maxSeq = Math.max(maxSeq, msg.seq);
          if (epoch === this.helper.epoch && msg.seq <= lastSeq) continue; // stored before a crash
          lastSeq = msg.seq;
        }
        if (msg.ev === 'hello') {
          this.helper.dispatch(msg);
          if (stored.epoch !== this.helper.epoch) {
            setMeta(this.db, 'helper_epoch', this.helper.epoch);
            setMeta(this.db, 'helper_seq', '0');
            stored.epoch = this.helper.epoch;
            lastSeq = 0;
          }
          this.childrenSeen.clear();
          continue;
        }
        this.onMessage(msg);
      }
      if (maxSeq) setMeta(this.db, 'helper_seq', String(lastSeq));
    })();
    stored.seq = lastSeq;
    if (maxSeq) this.helper.ack(maxSeq);
  }

  private onMessage(msg: Record<string, unknown>): void {
    switch (msg.ev) {
      case 'child': {
        const c = msg as unknown as OwnedChild;
        const list = this.childrenSeen.get(c.job) ?? [];
        list.push(c);
        this.childrenSeen.set(c.job, list);
        return;
      }
      case 'ready':
        this.reconcile();
        return;
      case 'exit':
        this.onExit(msg as unknown as ExitEvent);
        return;
      case 'respawned': {
        const job = this.jobs.get(Number(msg.job));
        if (!job) return;
        if (job.state === 'starting' && job.pid == null) {
          if (msg.execErrno) job.execError = `command not found: ${job.spec.argv[0]}`;
          this.apply(job, { type: 'spawned', pid: msg.pid as number, start: msg.start as number });
        } else {
          // Restarted while a stop was on its way: it is not wanted; end it with the rest.
          job.others.add(msg.pid as number);
          this.helper.signalJob(String(job.id), 9, true);
        }
        return;
      }
      case 'empty': {
        // hook (c): the helper says nothing of the job is alive (cgroup `populated 0`, or no
        // process of it left): whatever `others` still holds died unseen (reaped inside the job).
        const job = this.jobs.get(Number(msg.job));
        if (!job) return;
        job.others.clear();
        if (job.pid == null) this.apply(job, { type: 'drained' });
        if (isResting(job)) this.emit('rest', job);
        return;
      }
      case 'spawn-error': {
        // hook (c): a restart the helper did on its own (req 0) failed: the job cannot start.
        const job = msg.req === 0 || msg.req === '0' ? this.jobs.get(Number(msg.job)) : undefined;
        if (job && job.state === 'starting' && job.pid == null) this.apply(job, { type: 'spawnFailed', error: String(msg.error) });
        else this.helper.dispatch(msg);
        return;
      }
      case 'stuck': {
        // hook (c): processes still alive 3 s after KILL can only be in uninterruptible sleep
        // (state D): they are named, and a stop does not wait for them.
        const job = this.jobs.get(Number(msg.job));
        if (!job) return;
        const pids = msg.pids as number[];
        const states = msg.states as string[];
        for (const p of pids) job.others.delete(p);
        const list = pids.map((p, i) => `${p} (${states[i] ?? '?'})`).join(', ');
        this.emit('change', { job, from: job.state, to: job.state, note: `pid ${list} still alive after SIGKILL (uninterruptible sleep); not waited for` } satisfies JobChange);
        if (isResting(job)) this.emit('rest', job);
        return;
      }
      case 'opening': {
        // hook (c): the child waits in open() of a FIFO or a terminal: `starting (opening PATH)`.
        const job = this.jobs.get(Number(msg.job));
        if (job && job.state === 'starting') {
          job.reason = `opening ${String(msg.path)}`;
          saveJob(this.db, job);
        }
        return;
      }
      case 'adopted': {
        const job = this.jobs.get(Number(msg.job));
        if (job) job.others.add(msg.pid as number);
        return;
      }
      case 'stopped':
      case 'continued': {
        const job = this.jobs.get(Number(msg.job));
        if (job && job.pid === msg.pid) {
          job.suspended = msg.ev === 'stopped';
          job.stopSig = msg.ev === 'stopped' ? (msg.sig as number) : null;
          if (job.suspended) job.touchedAt = Date.now();
          saveJob(this.db, job);
          this.emit('suspend', job, msg.ev === 'stopped' ? (msg.sig as number) : null);
        }
        return;
      }
      default:
        this.helper.dispatch(msg);
        this.emit('helper', msg); // e.g. `rotated`, for the log maintainer
    }
  }

  private onExit(e: ExitEvent): void {
    const job = this.jobs.get(Number(e.job)) ?? null;
    const { code, signal, core } = decodeStatus(e.status);
    const isLeader = job != null && e.leader === 1 && job.pid === e.pid;
    const flags = (e.kflags & 0x40 ? 'F' : '') + (e.kflags & 0x100 ? 'S' : '') + (core ? 'C' : '') + (signal != null ? 'X' : '');
    const record = {
      pid: e.pid, ppid: e.ppid, job: job ? job.id : null, program: job ? job.spec.name : null,
      command: isLeader && job ? job.spec.commandText : e.comm, comm: e.comm, uid: e.uid, gid: e.gid,
      start: e.start ? ticksToEpoch(e.start) : null, end: e.end_us / 1e6, utime: e.utime_us / 1e6, stime: e.stime_us / 1e6,
      maxrss: e.maxrss, minflt: e.minflt, majflt: e.majflt, inblock: e.inblock, oublock: e.oublock, nvcsw: e.nvcsw,
      nivcsw: e.nivcsw, exitCode: code, signal, core, flags, status: e.status, note: null,
    };
    insertRecord(this.db, record);
    this.emit('record', record);
    if (!job) return;
    job.others.delete(e.pid);
    if (isLeader) {
      const term = termination(code, signal, core);
      const noRetry = job.execError != null;
      const respawned = (e as ExitEvent & { respawned?: number }).respawned === 1;
      // hook (c): the helper counts the job's other live processes (cgroup members, orphans) at the exit.
      const remaining = Math.max(job.others.size, e.alive ?? 0) + (respawned ? 1 : 0);
      this.apply(job, { type: 'exit', term, remaining, reason: job.execError ?? undefined, noRetry, respawned });
      job.execError = null;
    } else if (job.pid == null && job.others.size === 0) {
      this.apply(job, { type: 'drained' });
    }
    if (isResting(job)) this.emit('rest', job);
  }

  // After a (re)connect: match stored jobs with what the helper still owns.
  private reconcile(): void {
    for (const job of this.jobs.values()) {
      const owned = this.childrenSeen.get(String(job.id)) ?? [];
      job.others = new Set(owned.filter((c) => !c.leader).map((c) => c.pid));
      const leader = owned.find((c) => c.leader);
      if (leader) {
        job.foreign = false;
        if (job.pid !== leader.pid) {
          job.pid = leader.pid;
          job.startTicks = leader.start;
          saveJob(this.db, job);
        }
      } else if (job.pid != null) {
        if (job.startTicks != null && isSameProcess(job.pid, job.startTicks)) {
          job.foreign = true; // the helper that owned it is gone; watch it by polling
        } else {
          this.recordUnknownEnd(job);
          this.apply(job, { type: 'exit', term: UNKNOWN_END, remaining: job.others.size });
        }
      }
      this.resume(job);
    }
    this.watchForeign();
    this.isReady = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  // Timers do not survive a restart of the daemon: set them again from the state.
  private resume(job: Job): void {
    if (job.state === 'backoff') this.apply(job, { type: 'timer' });
    else if (job.state === 'starting' && job.pid == null && job.want === 'up') this.doSpawn(job);
    else if (job.state === 'starting' && job.pid != null) this.setDeadline(job, job.spec.ready);
    else if (job.state === 'stopping') {
      this.doSignal(job, job.spec.stopSignal, true);
      this.setDeadline(job, job.spec.stopTimeout);
    }
  }

  private recordUnknownEnd(job: Job): void {
    if (job.pid == null) return;
    insertRecord(this.db, {
      pid: job.pid, ppid: null, job: job.id, program: job.spec.name, command: job.spec.commandText, comm: job.spec.argv[0] ?? '',
      uid: null, gid: null, start: job.startTicks != null ? ticksToEpoch(job.startTicks) : null, end: Date.now() / 1000,
      utime: 0, stime: 0, maxrss: 0, minflt: 0, majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0, exitCode: null,
      signal: null, core: false, flags: '', status: null, note: UNKNOWN_END.text,
    });
  }

  private watchForeign(): void {
    if (this.foreignPoll) return;
    const poll = () => {
      let any = false;
      for (const job of this.jobs.values()) {
        if (!job.foreign || job.pid == null) continue;
        if (job.startTicks != null && isSameProcess(job.pid, job.startTicks)) { any = true; continue; }
        this.db.transaction(() => {
          this.recordUnknownEnd(job);
          job.foreign = false;
          this.apply(job, { type: 'exit', term: UNKNOWN_END, remaining: 0 });
        })();
      }
      if (!any && this.foreignPoll) { clearInterval(this.foreignPoll); this.foreignPoll = null; }
    };
    if ([...this.jobs.values()].some((j) => j.foreign)) this.foreignPoll = setInterval(poll, 250);
  }

  private onHelperLost(): void {
    if (this.closing) return;
    // The helper died (or was killed): reconnect to a new one; live jobs become foreign.
    this.isReady = false;
    this.helper.connect().catch((err) => this.emit('error', err));
  }

  // ---------- the one way a job changes ----------

  /** Feeds one event to a job's machine, persists the step, emits one change, runs effects. */
  apply(job: Job, ev: JobEvent): void {
    const s = step(job, ev, Date.now());
    if (!s) return;
    const from = job.state;
    Object.assign(job, s.patch);
    if (s.patch.state === 'starting' || s.patch.state === 'stopped' || s.patch.state === 'exited') job.suspended = false;
    saveJob(this.db, job);
    this.emit('change', { job, from, to: job.state, note: s.note } satisfies JobChange);
    for (const e of s.effects) this.effect(job, e);
    if (isResting(job)) this.emit('rest', job);
  }

  private effect(job: Job, e: Effect): void {
    if (e.kind === 'spawn') this.doSpawn(job);
    else if (e.kind === 'signal') this.doSignal(job, e.sig, e.all);
    else this.setDeadline(job, e.in);
  }

  private setDeadline(job: Job, ms: number | null): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    if (ms == null) return;
    job.timer = setTimeout(() => {
      job.timer = null;
      this.db.transaction(() => this.apply(job, { type: 'timer' }))();
    }, ms);
  }

  private doSpawn(job: Job): void {
    const req = buildSpawnRequest(job, this.ctx);
    req.restartTicket = this.ticketFor(job);
    if (job.winsize) req.winsize = job.winsize;
    this.helper.spawn(req, (r) => {
      if (job.reason?.startsWith('opening ')) job.reason = null; // hook (c): the open is over
      if (r instanceof Error) {
        this.apply(job, { type: 'spawnFailed', error: r.message });
        return;
      }
      if (r.execErrno) {
        const argv0 = job.spec.argv[0];
        // hook (c): the helper names the path it failed on (stdin/stdout/stderr/tty/cwd/command).
        const path = r.path || (r.stage === 'chdir' ? job.spec.cwd : r.stage === 'exec' ? argv0 : '');
        job.execError = r.stage === 'exec' && r.execErrno === 2 ? `command not found: ${argv0}` : `${r.stage}: ${r.error}${path ? ` (${path})` : ''}`;
      }
      this.apply(job, { type: 'spawned', pid: r.pid, start: r.start });
    });
  }

  // A ticket only where the machine itself would restart at once: a service wanted up,
  // zero initial backoff, and as many restarts as the crash-loop limit still allows.
  private ticketFor(job: Job): { budget: number; any: boolean; ok: number[] } | null {
    const p = job.spec;
    if (p.schedule.kind !== 'service' || p.restart === 'never' || p.backoff.initial !== 0 || job.want !== 'up') return null;
    const used = recentRestarts(p, job.restartTimes, Date.now()).length; // counts now as one
    const budget = Math.min(p.crashLoop.limit - used, 1_000_000);
    return budget > 0 ? { budget, any: p.restart === 'always', ok: p.successCodes } : null;
  }

  private doSignal(job: Job, sig: string, all: boolean): void {
    const n = parseSignal(sig).number;
    if (job.foreign && job.pid != null) {
      sendSignal(-job.pid, n);
      // hook (c): a helper that took the job's pipes (and cgroup) over reaches its whole tree.
      if (all) this.helper.signalJob(String(job.id), n, all);
      return;
    }
    this.helper.signalJob(String(job.id), n, all);
  }

  // ---------- commands ----------

  private closing = false;

  /** Jobs of these program names ('all' for every program); throws naming an unknown one. */
  select(names: string[]): Job[] {
    const all = [...this.jobs.values()];
    if (names.includes('all')) return all.filter((j) => j.program != null);
    const out: Job[] = [];
    for (const n of names) {
      const found = all.filter((j) => j.program === n || (j.program == null && j.spec.name === n) || String(j.number) === n.replace(/^%/, ''));
      if (found.length === 0) throw Object.assign(new Error(`no program or job named "${n}"`), { code: 'not_found' });
      out.push(...found);
    }
    return out;
  }

  /** Resolves once every given job rests (stopped, exited or fatal, nothing left running). */
  waitRest(jobs: Job[]): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (jobs.every(isResting)) {
          this.off('rest', check);
          resolve();
        }
      };
      this.on('rest', check);
      check();
    });
  }

  /** Resolves once a job has a running process (or has come to rest without one). */
  waitStarted(job: Job): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (job.pid != null || isResting(job) || job.state === 'fatal') {
          this.off('change', check);
          resolve();
        }
      };
      this.on('change', check);
      check();
    });
  }

  /** Starts jobs (their processes come up in the background). */
  start(jobs: Job[]): void {
    this.db.transaction(() => { for (const j of jobs) this.apply(j, { type: 'start' }); })();
  }

  /** Stops jobs, resolving when nothing of them is left running. */
  async stop(jobs: Job[]): Promise<void> {
    this.db.transaction(() => { for (const j of jobs) this.apply(j, { type: 'stop' }); })();
    await this.waitRest(jobs);
  }

  /** Sends a signal to each job's process group. */
  signal(jobs: Job[], sig: string): number {
    let n = 0;
    for (const j of jobs) {
      if (j.pid == null) continue;
      this.doSignal(j, sig, false);
      n++;
    }
    return n;
  }

  /** Creates a job for a program instance (not started). */
  createJob(spec: Program, instance: number, ownerUid: number, program: string | null): Job {
    const row = insertJob(this.db, {
      program, instance, spec, state: 'stopped', want: 'down', pid: null, startTicks: null, startedAt: null, restarts: 0,
      restartTimes: [], attempt: 0, lastExit: null, reason: null, suspended: false, ownerUid, createdAt: Date.now(),
    });
    const job: Job = { ...row, state: 'stopped', lastExit: null, timer: null, others: new Set(), foreign: false, execError: null, stopSig: null, touchedAt: Date.now(), winsize: null };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Forgets a resting job: its number is free again; its records stay. */
  forget(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    removeJob(this.db, job.id);
    this.jobs.delete(job.id);
  }

  /** Replaces a job's program (takes effect at its next start). */
  setSpec(job: Job, spec: Program): void {
    job.spec = spec;
    saveJobSpec(this.db, job);
  }

  /** Empties a managed log file the helper is writing. */
  truncateLog(path: string): void {
    this.helper.truncateLog(path);
  }

  /** Makes the helper reopen every log file (after an external rotation tool moved them). */
  reopenLogs(): void {
    this.helper.reopenLogs();
  }

  /** The programs of the current jobs, one per name. */
  programs(): Program[] {
    const byName = new Map<string, Program>();
    for (const j of this.jobs.values()) if (!byName.has(j.spec.name)) byName.set(j.spec.name, j.spec);
    return [...byName.values()];
  }

  /** Stops every job and lets the helper go. */
  async shutdown(stopJobs: boolean): Promise<void> {
    if (stopJobs) await this.stop([...this.jobs.values()].filter((j) => !isResting(j)));
    this.closing = true;
    for (const j of this.jobs.values()) if (j.timer) clearTimeout(j.timer);
    if (this.foreignPoll) clearInterval(this.foreignPoll);
    if (stopJobs) await this.helper.quit();
    else this.helper.disconnect();
  }
}
