// The supervisor: the one owner of every job change. Helper events and commands become job
// events (intake.ts), the machine (machine.ts) decides, and `apply` — the only place a job
// changes — persists the step, emits at most one 'change' and carries the effects out through os/.
import { EventEmitter } from 'node:events';
import type { Program } from '../../config/program.js';
import { parseSignal } from '../../config/signals.js';
import { ageOfTicks, isOwnZombie, isSameProcess, processState, sendSignal, ticksToEpoch } from '../../os/host.js';
import type { ChildEvent, HelperEvent, MemberEvent } from '../../os/helper-protocol.js';
import { HelperLost, PROTOCOL_VERSION } from '../../os/helper-protocol.js';
import type { Supervise } from '../../os/supervise.js';
import { getMeta, setMeta, stmt, type Db } from '../../store/db.js';
import { insertJob, liveJobs, removeJob, saveJob, saveJobSpec } from '../../store/jobs.js';
import { insertRecord, kernelEnd, type AcctRecord } from '../../store/records.js';
import { specJson } from '../../store/spec-json.js';
import { Accounting } from '../accounting/index.js';
import { reapedRecord, unknownEndRecord } from '../accounting/record.js';
import { decodeStatus } from '../../os/helper-protocol.js';
import { reapChild } from '../../os/reap.js';
import { MAX_TIMER_MS, now, type Now } from './clock.js';
import { execFailureOf, jobEventOf, jobIdOf } from './intake.js';
import { ForeignWatch, reconcileJob } from './reconcile.js';
import { isResting, jobFromRow, leaderEnded, RESTING as RESTING_STATES, type Job, type JobChange } from './job.js';
import { resumeEffects, step, type Effect, type EventOf, type EventType, type JobCore, type Survivor } from './machine.js';
import { isSuccess, restartTicket } from './policy.js';
import { selectJobs } from './select.js';
import { buildSpawnRequest, type SpawnContext } from './spawn-request.js';
import { termination, UNKNOWN_END, type Termination } from './termination.js';

export { isResting, type Job, type JobChange } from './job.js';

// The machine's fields that are stored: a step that changes none of them writes nothing.
const STORED: ReadonlySet<keyof JobCore> = new Set(['state', 'want', 'pid', 'startTicks', 'startedAt', 'restarts', 'restartTimes', 'attempt', 'lastExit', 'reason', 'suspended', 'statusText']);

// The meta key of the jobs stopped to be started again (see stopToStartAgain), a JSON array of ids.
const START_AGAIN = 'start_again';

/** In what a start waits for, the mark of a program it comes after (`after: { X: exited }`) that
 *  ended in failure: `X to exit with success (it ended with exit(3))`. up --wait counts it failed. */
export const FAILED_DEPENDENCY = ' (it ended with ';
// Signals a SIGCONT would undo or that need none: no SIGCONT follows them in a stop.
const NO_CONT_AFTER: ReadonlySet<number> = new Set(['SIGKILL', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'].map((s) => parseSignal(s).number));

// How long a foreign leader seen gone waits for its kernel record before its end is taken as unknown:
// the record reaches the daemon within milliseconds of the exit, through the helper.
const FOREIGN_RECORD_WAIT_MS = 1000;

// How many of a transaction's effects (spawn requests, signals) leave in one write to the helper.
const EFFECTS_PER_WRITE = 32;

/** What a command's transaction changed of the jobs, to put back when the store refuses it. */
interface Undo {
  before: Map<Job, Job>;
  created: Job[];
  forgotten: Job[];
}

/**
 * Supervises jobs through the native helper. Emits 'change' (JobChange, only when something
 * changed), 'rest' (a job came to rest: once per ending), 'record' (AcctRecord), 'suspend'
 * (job, signal | null) and 'helper' (helper events no job owns, e.g. `rotated`).
 */
export class Supervisor extends EventEmitter {
  readonly jobs = new Map<number, Job>();
  private childrenSeen = new Map<string, ChildEvent[]>();
  private membersSeen = new Map<string, MemberEvent[]>();
  // Jobs that a step of the events a (re)connected helper replayed (from its hello to its `ready`)
  // asked something of (a restart, a timer): the reconcile must not resume the state as the last
  // daemon left it on top (a crash loop's last end, heard on reconnect, still `starting`, was
  // restarted twice: two copies of a one-instance program).
  private replayed: Set<Job> | null = null;
  // The helper that went away (its pid, 0 if unknown) until the next one says hello: the log says both.
  private lostHelper: number | null = null;
  // When each job's last spawn was asked for (this.clock().mono): a process of its cgroup born
  // before that is a leftover of an earlier run, never the answer to a spawn lost with its helper.
  private spawnAsked = new WeakMap<Job, number>();
  private readyWaiters: (() => void)[] = [];
  private isReady = false;
  private closing = false;
  /** The helper's last counters of what it dropped (for `info`). */
  helperStats: { dropped: Record<string, number> } | null = null;
  // Leaders whose helper is gone, watched by polling /proc until they end.
  private readonly foreign = new ForeignWatch(() => this.jobs.values(), (pid, start) => isSameProcess(pid, start), (job) => {
    if (!this.endKnownOrLate(job)) return false;
    this.transaction(() => {
      this.apply(job, { type: 'reconciled', leader: null, others: [...job.others], leaderAlive: false });
      this.endedUnseen(job);
    });
    return true;
  }, (job) => this.reapForeignOthers(job));
  // Foreign leaders seen gone, and since when (monotonic ms): see endKnownOrLate.
  private readonly goneSince = new Map<Job, number>();

  // A foreign leader that is not the daemon's to reap (its helper was not the daemon's child) ends
  // with its kernel record, which the next helper follows (hello_members in native/supervise.c):
  // its end is taken once that record is stored, or, without one, a second after it was seen gone
  // (then unknown). One the daemon reaps is known at once.
  private endKnownOrLate(job: Job): boolean {
    if (job.pid == null || job.startTicks == null || this.accounting.source !== 'taskstats' || isOwnZombie(job.pid)) return true;
    if (kernelEnd(this.db, job.pid, ticksToEpoch(job.startTicks))) {
      this.goneSince.delete(job);
      return true;
    }
    const since = this.goneSince.get(job) ?? this.clock().mono;
    this.goneSince.set(job, since);
    if (this.clock().mono - since < FOREIGN_RECORD_WAIT_MS) return false;
    this.goneSince.delete(job);
    return true;
  }
  // The helper's epoch and the last event stored, mirrored in memory (read once per process).
  private stored: { epoch: string | null; seq: number } | null = null;
  /** Which helper events make accounting records (kernel taskstats, or wait4). */
  readonly accounting: Accounting;

  constructor(private readonly db: Db, private readonly helper: Supervise, private readonly ctx: SpawnContext, private readonly clock: () => Now = now) {
    super();
    this.setMaxListeners(0);
    this.accounting = new Accounting(db, () => this.helper.hello);
  }

  /** Loads the stored jobs, connects to the helper and re-adopts what is still alive. */
  async init(): Promise<void> {
    const t = this.clock();
    for (const row of liveJobs(this.db)) {
      const job = jobFromRow(row);
      // Uptime is monotonic; a job adopted from an earlier daemon counts from its kernel start time.
      if (job.startTicks != null) job.startedMono = t.mono - ageOfTicks(job.startTicks);
      this.jobs.set(row.id, job);
    }
    this.helper.on('batch', (batch: HelperEvent[]) => this.onBatch(batch));
    this.helper.on('malformed', (why: string) => console.error(`appinit: ignored a malformed line from the supervise helper: ${why}`));
    this.helper.on('close', () => this.onHelperLost());
    await this.helper.connect();
    await new Promise<void>((resolve) => (this.isReady ? resolve() : this.readyWaiters.push(resolve)));
    this.resumeStartAgain();
  }

  // Jobs an earlier daemon stopped to start again, and was killed before it did (a restart, an
  // `up` that replaced them and never committed): they start again, once what is left of them rests.
  private resumeStartAgain(): void {
    const ids = this.startAgainIds();
    if (ids.size === 0) return;
    const gone = [...ids].filter((id) => !this.jobs.has(id));
    if (gone.length) this.transaction(() => this.unmarkStartAgain(gone.map((id) => ({ id }))));
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (!job) continue;
      console.error(`appinit: ${job.spec.name} %${job.number}: starting again (stopped to restart by a daemon that ended before it started it)`);
      void this.waitRest([job]).then(() => {
        // Started or stopped meanwhile by somebody: theirs is the last word.
        if (this.jobs.get(id) === job && this.startAgainIds().has(id) && isResting(job)) this.start([job]);
      });
    }
  }

  /** The helper tracks whole jobs (and says `empty`): a protocol 2 helper does. */
  private get tracked(): boolean {
    return (this.helper.hello?.version ?? 1) >= 2;
  }

  // ---------- helper events ----------

  // One batch, one transaction: events already stored before a crash (same epoch, seq not above
  // the last stored) are skipped, so nothing is recorded twice.
  private onBatch(batch: HelperEvent[]): void {
    const stored = (this.stored ??= { epoch: getMeta(this.db, 'helper_epoch'), seq: Number(getMeta(this.db, 'helper_seq') ?? 0) });
    let lastSeq = stored.seq;
    let maxSeq = 0;
    this.transaction(() => {
      for (const msg of batch) {
        const seq = 'seq' in msg && typeof msg.seq === 'number' ? msg.seq : null;
        if (seq != null) {
          maxSeq = Math.max(maxSeq, seq);
          if (stored.epoch === this.helper.epoch && seq <= lastSeq) continue;
          lastSeq = seq;
        }
        this.helper.dispatch(msg);
        if (msg.ev === 'hello') {
          if (stored.epoch !== msg.epoch) {
            setMeta(this.db, 'helper_epoch', msg.epoch);
            setMeta(this.db, 'helper_seq', '0');
            stored.epoch = msg.epoch;
            lastSeq = 0;
          }
          if (this.lostHelper != null) console.error(`${new Date().toISOString()} appinit: supervise helper pid ${msg.pid} connected (after pid ${this.lostHelper || '?'} went away)`);
          this.lostHelper = null;
          if (msg.version !== PROTOCOL_VERSION) console.error(`appinit: the supervise helper speaks protocol ${msg.version}, this daemon ${PROTOCOL_VERSION}; it is replaced once its jobs have ended`);
          this.childrenSeen.clear();
          this.membersSeen.clear();
          this.replayed = new Set();
          continue;
        }
        this.onMessage(msg);
      }
      if (maxSeq) setMeta(this.db, 'helper_seq', String(lastSeq));
    }, 'event'); // what the helper reports happened, stored or not
    stored.seq = lastSeq;
    if (maxSeq) this.helper.ack(maxSeq);
  }

  private onMessage(msg: HelperEvent): void {
    if (msg.ev === 'child' || msg.ev === 'member') {
      const seen: Map<string, (ChildEvent | MemberEvent)[]> = msg.ev === 'child' ? this.childrenSeen : this.membersSeen;
      const list = seen.get(msg.job) ?? [];
      list.push(msg);
      seen.set(msg.job, list);
      return;
    }
    if (msg.ev === 'ready') return this.reconcile();
    if (msg.ev === 'stats') {
      this.helperStats = msg;
      return;
    }
    const id = jobIdOf(msg);
    const job = id != null ? this.jobs.get(id) ?? null : null;
    // A leader's end for a job still starting with no process: the spawn this job's last daemon
    // asked for ran, and the daemon was killed before it heard the answer (`spawned` is not
    // resent; the exit is). The run is taken as started and ended here, so the reconcile that
    // follows does not start it a second time (a cron run, an `at now` job ran twice).
    if (job && msg.ev === 'exit' && msg.leader === 1 && job.state === 'starting' && job.pid == null && !this.spawnAsked.has(job)) {
      this.apply(job, { type: 'spawned', pid: msg.pid, start: msg.start, execError: null, tracked: this.tracked });
    }
    const record = this.accounting.recordOf(msg, job);
    if (record) this.record(record);
    if (!job) {
      if (msg.ev !== 'exit') this.emit('helper', msg); // e.g. `rotated`, for the log maintainer
      return;
    }
    if (msg.ev === 'warning') console.error(`appinit: ${job.spec.name} %${job.number}: ${msg.message}`);
    if (msg.ev === 'stuck') console.error(`appinit: ${job.spec.name} %${job.number}: alive after SIGKILL: ${msg.pids.map((p, i) => `${p} (${msg.states[i] ?? '?'})`).join(', ')}`);
    const ev = jobEventOf(msg, job, this.tracked);
    if (ev) this.apply(job, ev);
    if (msg.ev === 'stopped' || msg.ev === 'continued') this.emit('suspend', job, job.suspended ? job.stopSig : null);
  }

  private record(r: AcctRecord): void {
    insertRecord(this.db, r);
    this.emit('record', r);
  }

  // After a (re)connect: match stored jobs with what the helper still owns.
  private reconcile(): void {
    // Children of jobs the store does not know (started for a job whose creation was never
    // committed) are nobody's: end them rather than let them run unowned, or twice.
    for (const id of new Set([...this.childrenSeen.keys(), ...this.membersSeen.keys()])) {
      if (this.jobs.has(Number(id))) continue;
      // As a stop would: TERM to the whole tree, KILL 10 s later to what is left (a store
      // restored from a backup lacks the jobs started after it: they had no TERM before).
      console.error(`appinit: ending the processes of job id ${id}, which the store does not have (a store restored from an older backup?): SIGTERM now, SIGKILL in 10 s`);
      try { this.helper.signalJob(id, 15, true); } catch { /* helper gone again */ }
      setTimeout(() => { try { this.helper.signalJob(id, 9, true); } catch { /* gone */ } }, 10_000).unref();
    }
    for (const job of this.jobs.values()) {
      const { ev, endedUnseen, replaced } = reconcileJob(job, this.childrenSeen.get(String(job.id)) ?? [], this.bornSinceSpawn(job), isSameProcess);
      const stepped = this.replayed?.has(job) === true;
      if (replaced != null) this.recordEnd(job, replaced); // the old leader's end, before its successor is the job's
      this.apply(job, ev);
      // A leader that ended unseen is an exit now, and the exit's step set what follows (a restart
      // at once, a backoff): resuming the state it left on top of that asked a second spawn, and
      // a job with no backoff ran twice (one more copy per helper death).
      if (endedUnseen) this.endedUnseen(job);
      else if (!stepped) for (const e of resumeEffects(job, this.clock().mono)) this.effect(job, e);
    }
    this.childrenSeen.clear();
    this.membersSeen.clear();
    this.replayed = null;
    this.foreign.watch();
    this.replaceOldHelper();
    this.isReady = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  // The job's cgroup members born since its last spawn was asked for (all of them when this
  // daemon did not ask: it was restarted meanwhile). Start ticks and /proc/uptime step by 10 ms.
  private bornSinceSpawn(job: Job): MemberEvent[] {
    const members = this.membersSeen.get(String(job.id)) ?? [];
    const asked = this.spawnAsked.get(job);
    if (asked === undefined || !members.length) return members;
    const askedAgo = this.clock().mono - asked;
    return members.filter((m) => ageOfTicks(m.start) <= askedAgo + 50);
  }

  // An ended leader's record: wait4's figures if it is ours to reap (the daemon is a subreaper),
  // else a record without figures, an unknown end. Returns how it ended.
  private recordEnd(job: Job, pid: number): Termination {
    const r = reapChild(pid);
    // Not ours to reap: the kernel's record (if the helper followed it) says how it ended.
    const k = !r && job.startTicks != null && pid === job.pid ? kernelEnd(this.db, pid, ticksToEpoch(job.startTicks)) : null;
    if (k) return termination(k.code, k.signal, k.core);
    if (!r) {
      this.record(unknownEndRecord({ ...job, pid }, Date.now() / 1000));
      return UNKNOWN_END;
    }
    this.record(reapedRecord(job, pid, r, Date.now() / 1000));
    const { code, signal, core } = decodeStatus(r.status);
    return termination(code, signal, core);
  }

  // A leader that ended while its helper was gone: recorded, then the job's exit.
  private endedUnseen(job: Job): void {
    if (job.pid == null) return;
    this.apply(job, { type: 'exit', term: this.recordEnd(job, job.pid), ticketUsed: false });
  }

  // Processes of foreign jobs other than the leader, ended and reparented to the daemon: reap them.
  private reapForeignOthers(job: Job): void {
    for (const pid of job.others) {
      const r = reapChild(pid);
      if (!r) continue;
      this.record(reapedRecord(job, pid, r, Date.now() / 1000));
      this.apply(job, { type: 'reaped', pid });
    }
  }

  // The helper died (or was killed): connect to a new one; live jobs become foreign until then.
  private onHelperLost(): void {
    if (this.closing) return;
    this.isReady = false;
    this.lostHelper = this.helper.helperPid;
    console.error(`${new Date().toISOString()} appinit: the supervise helper (pid ${this.helper.helperPid || '?'}) went away; its jobs run on, and the next helper takes them over`);
    const retry = (delay: number) => {
      this.helper.connect().catch((err: Error) => {
        console.error(`appinit: cannot reach a supervise helper (${err.message}); trying again in ${delay} ms`);
        setTimeout(() => retry(Math.min(delay * 2, 5000)), delay).unref();
      });
    };
    retry(100);
  }

  // ---------- the one way a job changes ----------

  /** Feeds one event to a job's machine, persists the step, emits one change, runs effects. */
  apply<E extends EventType>(job: Job, ev: EventOf<E>): void {
    const s = step(job, ev, this.clock());
    if (!s) return;
    const from = job.state;
    const wasResting = isResting(job);
    let changed = false;
    let store = false;
    // for-in, not Object.entries: no [key, value] array per field on every step of every restart.
    for (const key in s.patch) {
      const k = key as keyof JobCore;
      if (job[k] === s.patch[k]) continue;
      changed = true;
      if (STORED.has(k)) store = true;
    }
    this.remember(job);
    Object.assign(job, s.patch);
    if (this.replayed && s.effects.length) this.replayed.add(job);
    if (job.waitingFor) this.waiting.add(job);
    if (store) {
      if (this.dirty) this.dirty.add(job);
      else saveJob(this.db, job);
    }
    if (changed || s.note) this.emit('change', { job, from, to: job.state, note: s.note } satisfies JobChange);
    for (const e of s.effects) this.effect(job, e);
    if (from !== job.state && job.program != null && this.gated()) this.recheckBlocked();
    if (!wasResting && isResting(job)) {
      this.emit('rest', job);
      this.replaceOldHelper();
    }
    // Started while it was stopping (machine.ts, queueStart): stopped now (those who waited for
    // the stop have seen it), so it starts.
    if (from === 'stopping' && job.state === 'stopped' && job.want === 'up') this.apply(job, { type: 'start' });
  }

  // A helper left by an older appinit keeps its jobs to the end (they are adopted as they are);
  // once none of them is left it is asked to quit, and the reconnect starts this version's.
  private replaceOldHelper(): void {
    const hello = this.helper.hello;
    if (this.closing || this.helper.startedHere || hello == null || hello.version >= PROTOCOL_VERSION) return;
    if ([...this.jobs.values()].some((j) => !isResting(j) || j.state === 'starting')) return;
    console.error(`appinit: replacing the supervise helper (pid ${hello.pid}, protocol ${hello.version}) now that its jobs have ended`);
    this.helper.hello = null;
    void this.helper.quit();
  }

  // Effects of steps taken inside a transaction wait for its commit: a process must never exist
  // for a job the store does not have (a kill -9 before the commit would leave it unowned).
  private deferred: (() => void)[] | null = null;
  // Jobs whose stored fields changed in this transaction: each is written once, just before the
  // commit (a restart is two or three steps of one job in one batch; each step wrote the row).
  private dirty: Set<Job> | null = null;
  // A command's transaction: each job as it was before its first step, and the jobs it created,
  // so that a command the store refuses (a full disk) leaves the jobs as they were (see transaction).
  private undo: Undo | null = null;

  // Keeps a job as it is now, before a command's first change to it (see undo).
  private remember(job: Job): void {
    if (this.undo && !this.undo.before.has(job)) this.undo.before.set(job, { ...job });
  }

  /**
   * Runs fn in one store transaction; the effects of its steps are carried out after the commit.
   * When the commit fails (a full disk): a `command` (start, stop, up: somebody's request) is
   * refused whole, its jobs put back as they were and its effects dropped; an `event` (what the
   * helper or a timer reports: a process ended) happened all the same, so its steps stay in memory
   * and its effects (a restart, a KILL after a timeout) are carried out. Either way the error is
   * thrown on, for the store guard, which writes every job back when space returns.
   */
  transaction(fn: () => void, kind: 'command' | 'event' = 'command'): void {
    if (this.deferred) return fn(); // nested: the outer one commits and carries out
    this.deferred = [];
    const dirty = (this.dirty = new Set());
    const undo = (this.undo = kind === 'command' ? { before: new Map(), created: [], forgotten: [] } : null);
    let after: (() => void)[] = [];
    let failure: unknown = null;
    try {
      this.inStore(() => {
        fn();
        for (const j of dirty) saveJob(this.db, j);
      });
      after = this.deferred;
    } catch (err) {
      this.startAgain = null; // rolled back: read again from the store
      failure = err;
      if (undo) this.putBack(undo, err);
      else after = this.deferred;
    } finally {
      this.deferred = null;
      this.dirty = null;
      this.undo = null;
    }
    // The effects of one transaction (spawns, signals, timers) are carried out after its commit,
    // and what they ask of the helper leaves every EFFECTS_PER_WRITE of them: the helper forks the
    // first children while the daemon builds the rest of the requests (an `up` of 500 built all
    // of them before the first left). Order is kept: one socket.
    for (let i = 0; i < after.length; i++) {
      after[i]();
      if ((i + 1) % EFFECTS_PER_WRITE === 0) this.helper.flush();
    }
    if (after.length) this.helper.flush();
    if (failure) throw failure;
  }

  // A refused command: its jobs as they were before it, each change said again the other way.
  private putBack(undo: Undo, err: unknown): void {
    for (const job of undo.created) this.jobs.delete(job.id);
    for (const job of undo.forgotten) this.jobs.set(job.id, job);
    this.readers = null;
    for (const [job, was] of undo.before) {
      if (undo.created.includes(job)) continue;
      const from = job.state;
      Object.assign(job, was);
      if (from !== job.state) this.emit('change', { job, from, to: job.state, note: `${job.spec.name}: not changed: ${(err as Error).message}` } satisfies JobChange);
    }
  }

  // BEGIN and COMMIT as cached statements: db.transaction(fn) builds a new wrapper (and its
  // variants) on every call, one per helper batch. Inside a caller's own transaction a savepoint,
  // as db.transaction does, so a failure here undoes only this part.
  private inStore(fn: () => void): void {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    stmt(this.db, 'BEGIN').run();
    try {
      fn();
      stmt(this.db, 'COMMIT').run();
    } catch (err) {
      if (this.db.inTransaction) stmt(this.db, 'ROLLBACK').run();
      throw err;
    }
  }

  private effect(job: Job, e: Effect): void {
    if (this.deferred) {
      this.deferred.push(() => this.effect(job, e));
      return;
    }
    if (e.kind === 'spawn') this.doSpawn(job);
    else if (e.kind === 'signal') this.doSignal(job, e.sig, e.all);
    else this.setDeadline(job, e.in);
  }

  // Timers longer than setTimeout's limit are chained, so a 30-day timeout is 30 days.
  private setDeadline(job: Job, ms: number | null): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    if (ms == null) return;
    const at = this.clock().mono + ms;
    const arm = (left: number) => {
      job.timer = setTimeout(() => {
        job.timer = null;
        const rest = at - this.clock().mono;
        if (rest > 0) return arm(rest);
        this.transaction(() => this.apply(job, { type: 'timer', survivors: this.survivors(job) }), 'event');
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    };
    arm(ms);
  }

  // What of a stopping job (or of a last run being cleared before a restart) is still alive after
  // SIGKILL (read only then: it costs /proc reads).
  private survivors(job: Job): Survivor[] | undefined {
    const killed = job.state === 'stopping' ? job.killRounds > 0 : job.state === 'backoff' && job.clearing?.killed === true;
    if (!killed) return undefined;
    const out: Survivor[] = [];
    for (const pid of job.pid != null ? [job.pid, ...job.others] : job.others) {
      const state = processState(pid);
      if (state != null && state !== 'Z' && state !== 'X') out.push({ pid, state });
    }
    return out;
  }

  // Jobs that may wait for others: gated() ran over every job on every change (O(N^2) for 400
  // scheduled runs started at once, issue 17); this set is checked instead and pruned as it goes.
  private readonly waiting = new Set<Job>();

  // Conditions a start waits for besides `after:` (the resources a program needs): each returns
  // what the start still waits for, [] to go. Whoever adds one calls recheck() when it may have changed.
  private readonly gates: ((job: Job) => string[])[] = [];

  /** Adds a condition every start passes once its `after:` is met (see gates). */
  addGate(gate: (job: Job) => string[]): void {
    this.gates.push(gate);
    this.recheck();
  }

  /** Looks again at starts that wait (a gate's condition changed). */
  recheck(): void {
    if (this.gated()) this.recheckBlocked();
  }

  private gateBlockers(job: Job): string[] {
    // Jobs resumed at init, before the resources module added its gate, wait for it.
    if (this.gates.length === 0) return Object.keys(job.spec.needs ?? {}).map((n) => `needs ${n}`);
    for (const g of this.gates) {
      const waits = g(job);
      if (waits.length) return waits;
    }
    return [];
  }

  private gated(): boolean {
    for (const j of this.waiting) {
      if (j.waitingFor && this.jobs.get(j.id) === j) return true;
      this.waiting.delete(j);
    }
    return false;
  }

  // What a start still waits for: programs in `after:` not yet running, or not yet exited with
  // success. Dependencies are by program name among the daemon's jobs.
  private blockers(job: Job): string[] {
    const p = job.spec;
    if (!p.after?.length && !p.afterExited?.length) return this.gateBlockers(job);
    const jobsOf = (name: string) => [...this.jobs.values()].filter((j) => j.program === name);
    // `after: [X]` waits for X while X is on its way up (starting, backing off) or has failed
    // (given up, or ended in failure: named with how, below). One that is not being started
    // (stopped, `autostart: false`, or a task that ended with success) holds nothing, as
    // systemd's After= orders only what is started: a dependent waited for it forever.
    const holds = (j: Job) => j.state !== 'running' && (!RESTING_STATES.has(j.state) || j.state === 'fatal'
      || (j.state === 'exited' && j.lastExit != null && !isSuccess(j.spec, j.lastExit)));
    const ready = (p.after ?? []).filter((n) => jobsOf(n).some(holds));
    const exited = (p.afterExited ?? []).filter((n) => {
      const js = jobsOf(n);
      return js.length > 0 && !js.every((j) => j.state === 'exited' && j.lastExit != null && isSuccess(j.spec, j.lastExit));
    });
    // One that ended in failure and will not run again by itself is named with how it ended: the
    // start still waits (a `start` of it that succeeds lets it go), and `up --wait` fails at once.
    const failedAs = (n: string): string | null => {
      const bad = jobsOf(n).find((j) => (j.state === 'exited' && j.lastExit != null && !isSuccess(j.spec, j.lastExit)) || j.state === 'fatal');
      return bad ? bad.execError ?? bad.lastExit?.text ?? bad.reason ?? bad.state : null;
    };
    const waits = [
      ...ready.map((n) => { const f = jobsOf(n).some((j) => !RESTING_STATES.has(j.state)) ? null : failedAs(n); return f ? `${n}${FAILED_DEPENDENCY}${f})` : n; }),
      ...exited.map((n) => { const f = failedAs(n); return f ? `${n} to exit with success${FAILED_DEPENDENCY}${f})` : `${n} to exit`; }),
    ];
    return waits.length ? waits : this.gateBlockers(job);
  }

  // After a job changes: starts that waited for it may go now.
  private recheckBlocked(): void {
    for (const j of this.jobs.values()) {
      if (!j.waitingFor || j.state !== 'starting') continue;
      const left = this.blockers(j);
      if (left.length === 0) this.apply(j, { type: 'unblocked' });
      else if (left.join() !== j.waitingFor.join()) this.apply(j, { type: 'blocked', on: left });
    }
  }

  // The jobs that read another program's output (`stdin: { from: ... }`): all a spawn request
  // needs of its peers. Kept until a job is created, forgotten or given a new program: passing
  // every job to every spawn made 400 runs due at once, or an `up` of 500, O(N^2) (issue 17).
  private readers: Job[] | null = null;
  /** The jobs that read another program's output (`stdin: { from: ... }`), kept between changes. */
  pipeReaders(): readonly Job[] {
    return (this.readers ??= [...this.jobs.values()].filter((j) => j.spec.stdin.kind === 'program'));
  }

  private doSpawn(job: Job): void {
    const waits = this.blockers(job);
    if (waits.length) return this.apply(job, { type: 'blocked', on: waits });
    const req = buildSpawnRequest(job, this.ctx, this.pipeReaders());
    this.spawnAsked.set(job, this.clock().mono);
    req.restartTicket = restartTicket(job.spec, job, this.clock().mono);
    if (job.winsize) req.winsize = job.winsize;
    this.helper.spawn(req, (r) => {
      // A spawn lost with its helper may be running: not the program's fault, and no answer. The
      // job stays starting; the reconnect's reconcile adopts what the helper started in the job's
      // cgroup, or starts it again (resumeEffects), as after a restart of the daemon.
      if (r instanceof HelperLost) return;
      if (r instanceof Error) return this.apply(job, { type: 'spawnFailed', error: r.message });
      const failed = execFailureOf(job, r);
      job.execFailure = failed && { said: failed.said, status: failed.status };
      this.apply(job, { type: 'spawned', pid: r.pid, start: r.start, execError: failed?.reason ?? null, tracked: this.tracked });
    });
  }

  private doSignal(job: Job, sig: string, all: boolean): void {
    const n = parseSignal(sig).number;
    if (job.foreign && job.pid != null) {
      sendSignal(-job.pid, n);
      // A stop's signal is followed by SIGCONT (a stopped process keeps TERM pending until
      // continued); the helper does the same for what it signals (stop_kill in native/supervise.c).
      if (all && !NO_CONT_AFTER.has(n)) sendSignal(-job.pid, parseSignal('SIGCONT').number);
      // hook (c): a helper that took over the job's pipes and cgroup (fd holder) reaches its whole tree.
      if (all) try { this.helper.signalJob(String(job.id), n, all); } catch { /* no helper yet */ }
      return;
    }
    try {
      this.helper.signalJob(String(job.id), n, all);
    } catch {
      // No helper right now: the reconnect resumes the stop (resumeEffects).
    }
  }

  // ---------- commands ----------

  /** The jobs these patterns name (names, globs, GROUP:*, %N, all); throws naming one that matches nothing. */
  select(patterns: string[]): Job[] {
    return selectJobs(this.jobs.values(), patterns);
  }

  /** Sends a pipes verb to the helper (core/pipes); false when it is not connected. */
  pipeCommand(verb: 'pipes' | 'pipe-eof' | 'pipe-drop', name?: string): boolean {
    try { this.helper.pipeCommand(verb, name); return true; } catch { return false; }
  }

  /** Resolves once each given job has rested (stopped, exited or fatal, nothing left running)
   *  since the call, even if it was started again since. With `signal`: once it aborts (the
   *  caller went away) it stops listening and never resolves. */
  waitRest(jobs: Job[], signal?: AbortSignal): Promise<void> {
    // Each job counts once it has rested since the wait began, not only while all rest at once: a
    // start asked while the stop was on its way starts each instance as soon as that one rests, so
    // instances that stop at different speeds never all rested together, and the stop (a
    // `restart all`, which then never started the other programs) waited for ever. O(1) a rest.
    const left = new Set(jobs.filter((j) => !isResting(j)));
    return this.whenRest((rested) => {
      if (rested) left.delete(rested);
      return left.size === 0;
    }, signal).then(() => undefined);
  }

  /** Resolves once every job rests at the same moment (`daemon --once`: its "+" lines run again
   *  after each end, so all have ended only when none was started again). */
  waitAllRest(jobs: Job[], signal?: AbortSignal): Promise<void> {
    // Asked at every job's rest: jobs[0..seen) were found resting, so each rest looks on from
    // there (asking every job each time was O(N^2)). Once all were seen, all are asked again, as
    // one may have started again since it was seen.
    let seen = 0;
    return this.whenRest(() => {
      while (seen < jobs.length && isResting(jobs[seen])) seen++;
      if (seen < jobs.length) return false;
      seen = jobs.findIndex((j) => !isResting(j));
      if (seen >= 0) return false;
      seen = jobs.length;
      return true;
    }, signal).then(() => undefined);
  }

  /** Resolves once each job's leader has ended (leftovers may run on) or it is stopped: a shell's
   *  `wait` waits for the job's own processes, not for what they left behind. */
  waitEndedOrStopped(jobs: Job[], signal?: AbortSignal): Promise<void> {
    return this.whenChanged(() => jobs.every((j) => leaderEnded(j) || j.suspended), signal).then(() => undefined);
  }

  /** The first of these jobs whose leader has ended (one already: that one). */
  waitFirstEnded(jobs: Job[], signal?: AbortSignal): Promise<Job> {
    return this.whenChanged(() => jobs.find(leaderEnded) ?? null, signal);
  }

  // As whenRest, asked at every change of a job's state and at every stop.
  private whenChanged<T>(done: () => T | null | false, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve) => {
      const check = () => {
        const v = done();
        if (!v) return;
        stop();
        signal?.removeEventListener('abort', stop);
        resolve(v);
      };
      const stop = () => { this.off('change', check); this.off('suspend', check); };
      if (signal?.aborted) return;
      this.on('change', check);
      this.on('suspend', check);
      signal?.addEventListener('abort', stop, { once: true });
      check();
    });
  }

  // Resolves with done()'s first truthy value, asked now (no job) and at every job's rest (that
  // job). An abandoned wait (a `wait` whose caller pressed Ctrl-C) leaves no listener behind.
  private whenRest<T>(done: (rested?: Job) => T | null | false, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve) => {
      const stop = () => { this.off('rest', check); };
      const check = (rested?: Job) => {
        const v = done(rested);
        if (!v) return;
        stop();
        signal?.removeEventListener('abort', stop);
        resolve(v);
      };
      if (signal?.aborted) return;
      this.on('rest', check);
      signal?.addEventListener('abort', stop, { once: true });
      check();
    });
  }

  /** Resolves once a job has a running process (or has come to rest without one), with that
   *  process's pid as it was then: a run that ended in the same batch of events as its start has
   *  no pid any more when the caller reads the job (`run --bg -- true` printed `[1] ` alone). */
  waitStarted(job: Job): Promise<number | null> {
    return new Promise((resolve) => {
      const check = () => {
        if (job.pid != null || isResting(job)) {
          this.off('change', check);
          resolve(job.pid);
        }
      };
      this.on('change', check);
      check();
    });
  }

  /** Starts jobs (their processes come up in the background). */
  start(jobs: Job[]): void {
    this.transaction(() => {
      for (const j of jobs) this.apply(j, { type: 'start' });
      this.unmarkStartAgain(jobs);
    });
  }

  /**
   * Keeps the requests to the helper made from now on for `ms` (at most a fraction of a second),
   * then sends them at once: the scheduler starts runs due at a second just before it, so that
   * their spawn requests leave at the second itself (a start, a stop made meanwhile waits as long).
   */
  holdSpawns(ms: number): void {
    this.helper.hold(ms);
  }

  /**
   * Stops jobs, resolving when nothing of them is left running. `evenUnstored` (the daemon's own
   * shutdown, `down`): a stop the store cannot take (a full disk) is carried out all the same, as an
   * event is, and its failure goes to the 'error' listeners (the store guard), not to the caller: a
   * refused `down` had closed the daemon's sockets already and left it deaf, its jobs running.
   */
  async stop(jobs: Job[], opts: { evenUnstored?: boolean } = {}): Promise<void> {
    const stop = (): void => {
      for (const j of jobs) this.apply(j, { type: 'stop' });
      this.unmarkStartAgain(jobs);
    };
    if (!opts.evenUnstored) this.transaction(stop);
    else {
      try { this.transaction(stop, 'event'); } catch (err) { this.emit('error', err); }
    }
    await this.waitRest(jobs);
  }

  /**
   * Stops jobs that are to start again (a restart; an `up` that replaces their program), resolving
   * when they rest. The intent is stored with the stop: a daemon killed before start() (or
   * startAgainDone) runs them again when it comes back, rather than leaving them down.
   */
  async stopToStartAgain(jobs: Job[]): Promise<void> {
    this.transaction(() => {
      for (const j of jobs) this.apply(j, { type: 'stop' });
      this.markStartAgain(jobs.map((j) => j.id));
    });
    await this.waitRest(jobs);
  }

  /** Of jobs stopped by stopToStartAgain, those still to start: a `stop` asked meanwhile took
   *  its job back (the last command wins), and a `start` meanwhile started it already. */
  stillToStart(jobs: readonly Job[]): Job[] {
    const ids = this.startAgainIds();
    return jobs.filter((j) => ids.has(j.id));
  }

  /** Jobs stopped by stopToStartAgain that are not to start after all (in the caller's transaction). */
  startAgainDone(jobs: Job[]): void {
    this.unmarkStartAgain(jobs);
  }

  // The ids stored under START_AGAIN, read once per daemon.
  private startAgain: Set<number> | null = null;
  private startAgainIds(): Set<number> {
    if (this.startAgain) return this.startAgain;
    let ids: unknown = [];
    try { ids = JSON.parse(getMeta(this.db, START_AGAIN) ?? '[]'); } catch { /* a damaged value: nothing to start */ }
    return (this.startAgain = new Set(Array.isArray(ids) ? ids.filter((x): x is number => Number.isSafeInteger(x)) : []));
  }

  private markStartAgain(ids: number[]): void {
    const set = this.startAgainIds();
    for (const id of ids) set.add(id);
    setMeta(this.db, START_AGAIN, JSON.stringify([...set]));
  }

  // Nothing allocated when nothing is marked: every start and stop passes here.
  private unmarkStartAgain(jobs: readonly { id: number }[]): void {
    const set = this.startAgainIds();
    if (set.size === 0) return;
    let changed = false;
    for (const j of jobs) changed = set.delete(j.id) || changed;
    if (changed) setMeta(this.db, START_AGAIN, JSON.stringify([...set]));
  }

  /** Continues a suspended job in the background (bash's `bg`); it becomes the current job. */
  background(job: Job): void {
    this.apply(job, { type: 'bg' });
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
  createJob(spec: Program, instance: number, ownerUid: number, program: string | null, winsize: Job['winsize'] = null): Job {
    const row = insertJob(this.db, {
      program, instance, spec, state: 'stopped', want: 'down', pid: null, startTicks: null, startedAt: null, restarts: 0,
      restartTimes: [], attempt: 0, lastExit: null, reason: null, suspended: false, ownerUid, createdAt: Date.now(),
    });
    const job = jobFromRow(row);
    job.winsize = winsize;
    this.jobs.set(job.id, job);
    if (spec.stdin.kind === 'program') this.readers = null;
    this.undo?.created.push(job);
    return job;
  }

  /** Forgets a resting job: its number is free again; its records and logs stay. */
  forget(job: Job): void {
    // A straggler (a restart the helper made as the stop came) is ended with the job it belonged to.
    if (!isResting(job)) this.doSignal(job, 'SIGKILL', true);
    if (job.timer) clearTimeout(job.timer);
    removeJob(this.db, job.id);
    this.unmarkStartAgain([job]);
    this.jobs.delete(job.id);
    this.undo?.forgotten.push(job);
    if (job.spec.stdin.kind === 'program') this.readers = null;
    // Whoever follows the job (`up --wait`) learns it is gone: no change event comes after this.
    this.emit('forget', job);
  }

  /** Replaces a job's program (takes effect at its next start). */
  setSpec(job: Job, spec: Program): void {
    if (job.spec.stdin.kind === 'program' || spec.stdin.kind === 'program') this.readers = null;
    // An unchanged program of an `up` has the same text: its row is not written again (500 of them
    // were 500 UPDATEs of an `up` that changed nothing).
    const same = specJson(job.spec) === specJson(spec);
    this.remember(job);
    job.spec = spec;
    if (!same) saveJobSpec(this.db, job);
  }

  /** Empties a managed log file the helper is writing. */
  truncateLog(path: string): void {
    this.helper.truncateLog(path);
  }

  /** Lets the helper close a job's NOTIFY_SOCKET, a descriptor store, listening sockets (src/core/sockets). */
  releaseSockets(what: { job?: string; store?: string; urls?: string[] }): void {
    try { this.helper.release(what); } catch { /* no helper right now: a new one holds what the holder kept */ }
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
    if (stopJobs) await this.stop([...this.jobs.values()].filter((j) => !isResting(j)), { evenUnstored: true });
    this.closing = true;
    for (const j of this.jobs.values()) if (j.timer) clearTimeout(j.timer);
    this.foreign.stop();
    if (stopJobs) await this.helper.quit();
    else this.helper.disconnect();
  }
}
