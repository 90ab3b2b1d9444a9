// The job state machine, as an exhaustive table: machine[state][event] -> step.
// Pure: it decides the next state and the effects from (job, event, now); the supervisor
// (runtime.ts) persists the step, emits one event and carries the effects out. Every change of
// a job goes through here; `want` is changed only by the commands (start, stop), as s6's flagwantup.
import type { Program } from '../../config/program.js';
import { formatDuration } from '../../config/units.js';
import type { Now } from './clock.js';
import { backoffDelay, decideAfterExit } from './policy.js';
import type { Termination } from './termination.js';

/** What a job is doing now. */
export type State = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'fatal';

/** A process that outlived SIGKILL, with its /proc state letter (D: uninterruptible sleep). */
export interface Survivor {
  pid: number;
  state: string;
}

/** Every event, by type: what happened to a job and what it carries. */
export interface EventMap {
  /** Commands. */
  start: object;
  stop: object;
  /** `bg`: continue a suspended job in the background; it becomes bash's current job. */
  bg: object;
  /** The helper started the leader (execError: exec failed; the child exits 127). */
  spawned: { pid: number; start: number; execError: string | null; tracked: boolean };
  spawnFailed: { error: string };
  /** The child is blocked opening a FIFO or a terminal. */
  opening: { path: string };
  /** A start waits for programs named in `after:` (ready, or exited successfully). */
  blocked: { on: string[] };
  /** What it waited for is there: spawn now. */
  unblocked: object;
  /** The leader ended. ticketUsed: the helper already restarted it under a ticket. left: how
   *  many processes of the job the helper saw alive besides it (a worker it setsid'd, a daemon). */
  exit: { term: Termination; ticketUsed: boolean; left?: number };
  /** The helper restarted the leader under a ticket: the new process. */
  respawned: { pid: number; start: number; execError: string | null; tracked: boolean };
  /** A process of the job other than the leader ended, or was adopted by the helper. */
  reaped: { pid: number };
  adopted: { pid: number };
  /** The helper says nothing of the job is left alive (its cgroup or process set is empty). */
  empty: object;
  /** The leader was stopped (WUNTRACED) or continued (WCONTINUED). */
  suspended: { sig: number };
  continued: object;
  /** After a reconnect: what the helper still owns of the job, and whether a leader it does
   *  not own is still alive (then it is watched by polling). */
  /** leader.found: a leader the new helper does not own, found in the job's cgroup (a spawn whose
   *  answer was lost with its helper): the job adopts it as foreign, watched until it ends. */
  reconciled: { leader: { pid: number; start: number; found?: boolean } | null; others: number[]; leaderAlive: boolean };
  /** A deadline passed. survivors: what was still alive, read for a stop after SIGKILL. */
  timer: { survivors?: Survivor[] };
  /** The program wrote to $NOTIFY_SOCKET (sd_notify): READY=1, STATUS= text (null: none sent). */
  notified: { ready: boolean; status: string | null; extendUsec?: number | null };
}

/** The type of an event. */
export type EventType = keyof EventMap;
/** One event. */
export type JobEvent = { [E in EventType]: { type: E } & EventMap[E] }[EventType];
/** The event of one type. */
export type EventOf<E extends EventType> = { type: E } & EventMap[E];

/** What the runtime must do after a step. */
export type Effect =
  | { kind: 'spawn' }
  | { kind: 'signal'; sig: string; all: boolean }
  | { kind: 'deadline'; in: number | null };

/** The part of a job the machine reads and writes. Times: monotonic ms, except *Wall / startedAt. */
export interface JobCore {
  state: State;
  want: 'up' | 'down';
  pid: number | null;
  startTicks: number | null;
  /** Wall-clock ms of the last start, for people. */
  startedAt: number | null;
  /** Monotonic ms of the last start: uptime and the backoff reset. */
  startedMono: number | null;
  restarts: number;
  restartTimes: number[];
  attempt: number;
  lastExit: Termination | null;
  reason: string | null;
  spec: Program;
  /** Live processes of the job besides the leader that the helper adopted. */
  others: ReadonlySet<number>;
  /** The helper tracks the whole job (cgroup or process set) and will say `empty`. */
  populated: boolean;
  /** SIGKILL was sent to end a stop; how many rounds so far. */
  killRounds: number;
  suspended: boolean;
  /** The signal that stopped the leader, while suspended. */
  stopSig: number | null;
  /** Wall ms when it was last stopped or sent to the background: bash's current (+) and previous (-). */
  touchedAt: number;
  /** The helper that started it is gone: its leader is watched by polling /proc. */
  foreign: boolean;
  /** Why exec failed, for the exit that follows. */
  execError: string | null;
  /** A path the child is blocked opening. */
  opening: string | null;
  /** Programs a start waits for (`after:`), before its process is spawned. */
  waitingFor: string[] | null;
  /** The last STATUS= text the program sent on $NOTIFY_SOCKET (not stored: a new process starts without). */
  statusText?: string | null;
  /** In backoff before a restart, what the last run left is being ended: since when (monotonic
   *  ms), the backoff's own delay, and whether SIGKILL followed the stop signal (not stored: a
   *  daemon restart resumes the backoff as it is). */
  clearing?: { since: number; delay: number; killed: boolean } | null;
  /** `ready: notify` and not ready yet: until when (monotonic ms) the program asked to be given to
   *  become ready (EXTEND_TIMEOUT_USEC=, sd_notify): the waits for it (`up --wait`, `reload`)
   *  hold on that long, as systemd extends its start timeout. */
  extendUntil?: number | null;
}

/** A transition: fields that change, effects to carry out, and a line for the event log. */
export interface Step {
  patch: Partial<JobCore>;
  effects: Effect[];
  note?: string;
}

/** How long to wait after SIGKILL before looking at what survived, and how many rounds. */
export const KILL_GRACE_MS = 2000;
export const KILL_ROUNDS = 3;

type Handler<E extends EventType> = (job: JobCore, ev: EventOf<E>, now: Now) => Step | null;
type Row = { [E in EventType]: Handler<E> };
type Table = { [S in State]: Row };

const ignore = () => null;
const none: Effect[] = [];
const clearDeadline: Effect = { kind: 'deadline', in: null };

/** True when something of the job may still be alive besides its leader. */
export function hasRemains(job: JobCore): boolean {
  return job.others.size > 0 || job.populated;
}

// ---------- starting ----------

// Backoff while the last run's leftovers are being ended: gone, the restart goes at once; still
// there at the deadline, SIGKILL (and the restart after a grace, whatever survived).
// Its backoff delay still holds: the restart waits for whichever comes last.
const backoffEmpty = (job: JobCore, _ev: EventOf<'empty'>, now: Now): Step => {
  const c = job.clearing;
  if (!c) return emptied();
  const left = c.since + c.delay - now.mono;
  if (left > 0) return { patch: { others: new Set(), populated: false, clearing: null }, effects: [{ kind: 'deadline', in: left }] };
  const s = spawnNow();
  return { patch: { others: new Set(), populated: false, ...s.patch }, effects: s.effects };
};
// A start while the last run's leftovers are being ended keeps that going (a new run beside the
// old worker is what clearing prevents); it only drops the rest of the backoff delay.
const startDuringBackoff = (job: JobCore): Step => {
  const c = job.clearing;
  if (!c) return startFresh();
  return { patch: { want: 'up', attempt: 0, restartTimes: [], clearing: { ...c, delay: 0 } }, effects: none };
};

const backoffTimer = (job: JobCore, ev: EventOf<'timer'>, now: Now): Step => {
  const c = job.clearing;
  if (c && hasRemains(job)) {
    const waited = now.mono - c.since;
    if (!c.killed && waited < job.spec.stopTimeout) return { patch: {}, effects: [{ kind: 'deadline', in: job.spec.stopTimeout - waited }] };
    if (!c.killed) {
      return {
        patch: { clearing: { ...c, killed: true } },
        effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: KILL_GRACE_MS }],
        note: `${job.spec.name}: what its last run left still runs ${formatDuration(job.spec.stopTimeout)} after ${job.spec.stopSignal}; sending SIGKILL`,
      };
    }
    // Still there after SIGKILL (state D): the restart goes on beside it, as a stop would return,
    // and the daemon's log names it (as a stop names its survivors).
    const left = survivorList(ev.survivors ?? []);
    if (left) return { ...spawnNow(), note: `${job.spec.name}: what its last run left outlived SIGKILL: ${left}; restarting beside it` };
  }
  return spawnNow();
};

const spawnNow = (): Step => ({
  patch: { state: 'starting', pid: null, startTicks: null, reason: null, killRounds: 0, suspended: false, stopSig: null, opening: null, waitingFor: null, statusText: null, clearing: null, extendUntil: null },
  effects: [{ kind: 'spawn' }, clearDeadline],
});

// A start asked for by a person clears the crash-loop history (as supervisord's start after FATAL).
const startFresh = (): Step => {
  const s = spawnNow();
  s.patch.want = 'up';
  s.patch.attempt = 0;
  s.patch.restartTimes = [];
  return s;
};

// With `ready: 0` a started process counts as running at once: no timer round trip.
const onSpawned = (job: JobCore, ev: EventOf<'spawned'> | EventOf<'respawned'>, now: Now): Step => {
  const patch: Partial<JobCore> = {
    pid: ev.pid, startTicks: ev.start, startedAt: now.wall, startedMono: now.mono, execError: ev.execError,
    populated: ev.tracked, opening: null, foreign: false, extendUntil: null,
  };
  if (job.spec.ready === 0) return { patch: { ...patch, state: 'running' }, effects: [clearDeadline] };
  // `ready: notify`: running when it says READY=1 (the `notified` event), not after a time.
  if (job.spec.ready === 'notify') return { patch, effects: [clearDeadline] };
  return { patch, effects: [{ kind: 'deadline', in: job.spec.ready }] };
};

// sd_notify: STATUS= text in any state with a process; READY=1 ends `starting` for `ready: notify`
// (for a timed `ready` the time still decides, as systemd ignores READY=1 of a Type=simple unit).
const onNotified = (job: JobCore, ev: EventOf<'notified'>): Step | null =>
  job.pid == null || ev.status == null ? null : { patch: { statusText: ev.status }, effects: none };
// Only READY=1 ends `starting` for `ready: notify`: a timer (none is set, but a stale one) does not.
const startingTimer = (job: JobCore): Step | null => (job.spec.ready === 'notify' ? null : becomeRunning());
const startingNotified = (job: JobCore, ev: EventOf<'notified'>, now: Now): Step | null => {
  const patch: Partial<JobCore> = ev.status != null ? { statusText: ev.status } : {};
  // systemd: the time from this message within which the program must send another (or READY=1).
  if (ev.extendUsec != null && job.pid != null) patch.extendUntil = now.mono + Math.ceil(ev.extendUsec / 1000);
  if (ev.ready && job.pid != null && job.spec.ready === 'notify') return { patch: { ...patch, state: 'running' }, effects: [clearDeadline] };
  return Object.keys(patch).length ? { patch, effects: none } : null;
};

const onSpawnFailed = (job: JobCore, ev: EventOf<'spawnFailed'>): Step => ({
  patch: { state: 'fatal', pid: null, reason: ev.error, opening: null },
  effects: [clearDeadline],
  note: `${job.spec.name}: cannot start: ${ev.error}`,
});

const onOpening = (_job: JobCore, ev: EventOf<'opening'>): Step => ({ patch: { opening: ev.path }, effects: none });

const onBlocked = (job: JobCore, ev: EventOf<'blocked'>): Step | null => (job.pid == null ? { patch: { waitingFor: ev.on }, effects: none } : null);

const onUnblocked = (job: JobCore): Step | null =>
  job.pid == null && job.waitingFor ? { patch: { waitingFor: null }, effects: [{ kind: 'spawn' }] } : null;

const becomeRunning = (): Step => ({ patch: { state: 'running' }, effects: [clearDeadline] });

// ---------- an end on its own: the policy decides ----------

const onCrash = (job: JobCore, ev: EventOf<'exit'>, now: Now): Step => {
  const p = job.spec;
  const base: Partial<JobCore> = { pid: null, startTicks: null, lastExit: ev.term, suspended: false, stopSig: null, execError: null, opening: null };
  const d = decideAfterExit(p, {
    // The fields the policy reads, not a copy of the whole job (one per restart).
    want: job.want, startedMono: job.startedMono, attempt: job.attempt, restarts: job.restarts, restartTimes: job.restartTimes,
    execFailed: job.execError != null, ticketUsed: ev.ticketUsed,
  }, ev.term, now.mono);
  switch (d.kind) {
    case 'rest':
      return { patch: { ...base, state: 'exited', reason: job.execError }, effects: [clearDeadline], note: d.why };
    case 'fatal': {
      const reason = job.execError ?? d.why;
      return { patch: { ...base, state: 'fatal', reason }, effects: [clearDeadline], note: reason };
    }
    case 'restarted':
      // The new pid arrives as `respawned`.
      return { patch: { ...base, state: 'starting', restarts: job.restarts + 1, restartTimes: d.restartTimes, attempt: d.attempt, reason: null }, effects: [clearDeadline], note: d.why };
    case 'restart': {
      const patch = { ...base, restarts: job.restarts + 1, restartTimes: d.restartTimes, attempt: d.attempt, reason: null };
      if (ev.left) {
        // What the last run left (a setsid'd worker holding its port, a daemon it forked) is ended
        // before the next run starts, as systemd's KillMode=control-group: left running, every
        // restart failed on the port, or another copy of the daemon piled up. Its stop signal,
        // the stop timeout, then SIGKILL; the restart follows once nothing of it is left.
        return {
          patch: { ...patch, state: 'backoff', clearing: { since: now.mono, delay: d.delay, killed: false } },
          effects: [{ kind: 'signal', sig: p.stopSignal, all: true }, { kind: 'deadline', in: Math.min(d.delay, p.stopTimeout) || p.stopTimeout }],
          note: `${d.why}; first ending the ${ev.left} process${ev.left === 1 ? '' : 'es'} its last run left (${p.stopSignal})`,
        };
      }
      if (d.delay === 0) return { patch: { ...patch, ...spawnNow().patch }, effects: [{ kind: 'spawn' }, clearDeadline], note: d.why };
      return { patch: { ...patch, state: 'backoff' }, effects: [{ kind: 'deadline', in: d.delay }], note: d.why };
    }
  }
};

// ---------- stopping ----------

const beginStop = (job: JobCore): Step => job.pid == null && job.waitingFor ? {
  // Never spawned (it waited for `after:`): nothing to signal.
  patch: { state: 'stopped', want: 'down', waitingFor: null }, effects: [clearDeadline],
} : ({
  patch: { state: 'stopping', want: 'down', killRounds: 0, clearing: null },
  effects: [{ kind: 'signal', sig: job.spec.stopSignal, all: true }, { kind: 'deadline', in: job.spec.stopTimeout }],
});

// In backoff the leader is gone, but what it forked may live on (a fork bomb under a pids limit,
// a daemon it left): then the stop is a real one.
const cancelBackoff = (job: JobCore): Step =>
  hasRemains(job) ? beginStop(job) : { patch: { state: 'stopped', want: 'down', clearing: null }, effects: [clearDeadline] };

// While stopping, the job is stopped only when the leader and everything else of it are gone.
const stoppedWhenEmpty = (job: JobCore, patch: Partial<JobCore>): Step => {
  const after = { ...job, ...patch };
  if (after.pid != null || hasRemains(after)) return { patch, effects: none };
  return { patch: { ...patch, state: 'stopped' }, effects: [clearDeadline] };
};

const stoppingExit = (job: JobCore, ev: EventOf<'exit'>): Step =>
  stoppedWhenEmpty(job, { pid: null, startTicks: null, lastExit: ev.term, suspended: false, stopSig: null, execError: null, opening: null });

const stoppingReaped = (job: JobCore, ev: EventOf<'reaped'>): Step => stoppedWhenEmpty(job, { others: without(job.others, ev.pid) });

const stoppingEmpty = (job: JobCore): Step => stoppedWhenEmpty(job, { others: new Set(), populated: false });

// Restarted by the helper while a stop was on its way: not wanted; KILL it with the rest.
const stoppingRespawned = (job: JobCore, ev: EventOf<'respawned'>): Step => ({
  patch: { others: with_(job.others, ev.pid), populated: job.populated || ev.tracked },
  effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }],
});

// The spawn answer for a start that a stop overtook: record the process; the stop (whose signal
// the helper applied after the spawn) ends it.
const stoppingSpawned = (_job: JobCore, ev: EventOf<'spawned'>, now: Now): Step => ({
  patch: { pid: ev.pid, startTicks: ev.start, startedAt: now.wall, startedMono: now.mono, execError: ev.execError, populated: ev.tracked },
  effects: none,
});

// A start while a stop is on its way: the stop finishes (nothing of the old run is left), then the
// job starts (the runtime applies the start once it is stopped); a later stop takes that back. The
// last command wins, as s6-svc -u during a stop, or systemctl start queued behind a stop.
const queueStart = (): Step => ({ patch: { want: 'up' }, effects: none });
const unqueueStart = (): Step => ({ patch: { want: 'down' }, effects: none });

// `PID (D: uninterruptible sleep), PID (S)`: what outlived SIGKILL, as a stop and a restart name it.
const survivorList = (left: readonly Survivor[]): string => left.map((s) => `${s.pid} (${s.state === 'D' ? 'D: uninterruptible sleep' : s.state})`).join(', ');

/** How a stop's reason begins when processes outlived SIGKILL (state D). */
export const LEFT_AFTER_KILL = 'processes left after SIGKILL';

// The stop timeout passed: KILL the whole job, then look at what survived. A process in state D
// cannot die until its I/O ends; after KILL_ROUNDS the stop returns and names what is left.
const stoppingTimer = (job: JobCore, ev: EventOf<'timer'>): Step => {
  const name = job.spec.name;
  if (job.killRounds === 0) {
    return {
      patch: { killRounds: 1 },
      effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: KILL_GRACE_MS }],
      note: `${name}: still running ${formatDuration(job.spec.stopTimeout)} after ${job.spec.stopSignal}; sending SIGKILL`,
    };
  }
  const left = ev.survivors ?? [];
  const gone: Partial<JobCore> = { pid: null, startTicks: null, others: new Set(), populated: false, state: 'stopped', suspended: false };
  if (left.length === 0) return { patch: gone, effects: [clearDeadline] };
  const list = survivorList(left);
  if (job.killRounds < KILL_ROUNDS) {
    return {
      patch: { killRounds: job.killRounds + 1 },
      effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: KILL_GRACE_MS }],
      note: `${name}: alive after SIGKILL: ${list}; sending SIGKILL again`,
    };
  }
  const reason = `${LEFT_AFTER_KILL}: ${list}`;
  return { patch: { ...gone, reason }, effects: [clearDeadline], note: `${name}: ${reason}` };
};

// ---------- any state ----------

const adopt = (job: JobCore, ev: EventOf<'adopted'>): Step => ({ patch: { others: with_(job.others, ev.pid) }, effects: none });
const reaped = (job: JobCore, ev: EventOf<'reaped'>): Step => ({ patch: { others: without(job.others, ev.pid) }, effects: none });
const emptied = (): Step => ({ patch: { others: new Set(), populated: false }, effects: none });

const onSuspended = (job: JobCore, ev: EventOf<'suspended'>, now: Now): Step | null =>
  job.pid == null ? null : { patch: { suspended: true, stopSig: ev.sig, touchedAt: now.wall }, effects: none };
const onContinued = (job: JobCore): Step | null => (job.pid == null ? null : { patch: { suspended: false, stopSig: null }, effects: none });

const toBackground = (job: JobCore, _ev: EventOf<'bg'>, now: Now): Step | null =>
  job.pid == null ? null : { patch: { touchedAt: now.wall }, effects: [{ kind: 'signal', sig: 'SIGCONT', all: false }] };

const onReconciled = (job: JobCore, ev: EventOf<'reconciled'>, now: Now): Step | null => {
  const others = new Set(ev.others);
  if (ev.leader?.found) {
    // The lost spawn did start: its process is the job's now (no second start beside it).
    const started = job.pid == null ? { startedAt: now.wall, startedMono: now.mono, populated: true, opening: null } : {};
    return { patch: { pid: ev.leader.pid, startTicks: ev.leader.start, others, foreign: true, ...started }, effects: none };
  }
  if (ev.leader) return { patch: { pid: ev.leader.pid, startTicks: ev.leader.start, others, foreign: false }, effects: none };
  if (job.pid != null && ev.leaderAlive) return { patch: { others, foreign: true }, effects: none };
  return { patch: { others, foreign: false }, effects: none };
};

// An exit after the job was already given up (a straggler): record only.
const lateExit = (_job: JobCore, ev: EventOf<'exit'>): Step => ({ patch: { pid: null, lastExit: ev.term }, effects: none });

// Resting, but adopted descendants may outlive the leader: a stop still reaches them.
const stopLeftovers = (job: JobCore): Step | null => (hasRemains(job) ? beginStop(job) : null);

// A restart the helper made although the job was given up meanwhile: end it.
const unwantedRespawn = (job: JobCore, ev: EventOf<'respawned'>): Step => ({
  patch: { others: with_(job.others, ev.pid) },
  effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }],
});

function with_(s: ReadonlySet<number>, pid: number): Set<number> {
  return new Set(s).add(pid);
}
function without(s: ReadonlySet<number>, pid: number): Set<number> {
  const n = new Set(s);
  n.delete(pid);
  return n;
}

const common = {
  bg: toBackground, opening: ignore, blocked: ignore, unblocked: ignore, adopted: adopt, reaped, empty: emptied, suspended: onSuspended, continued: onContinued,
  reconciled: onReconciled, spawned: ignore, spawnFailed: ignore, respawned: unwantedRespawn, notified: onNotified,
} satisfies Partial<Row>;

const resting: Row = { ...common, start: startFresh, stop: stopLeftovers, exit: lateExit, timer: ignore };

/** The whole machine. A missing cell is a compile error; each cell is typed by its event. */
export const machine: Table = {
  starting: {
    ...common, start: ignore, stop: beginStop, spawned: onSpawned, spawnFailed: onSpawnFailed, opening: onOpening, blocked: onBlocked, unblocked: onUnblocked,
    respawned: onSpawned, exit: onCrash, timer: startingTimer, notified: startingNotified,
  },
  running: { ...common, start: ignore, stop: beginStop, exit: onCrash, timer: ignore },
  backoff: { ...common, start: startDuringBackoff, stop: cancelBackoff, exit: lateExit, timer: backoffTimer, empty: backoffEmpty },
  stopping: {
    ...common, start: queueStart, stop: unqueueStart, exit: stoppingExit, reaped: stoppingReaped, empty: stoppingEmpty,
    respawned: stoppingRespawned, spawned: stoppingSpawned, timer: stoppingTimer,
  },
  stopped: resting,
  exited: resting,
  fatal: resting,
};

/** One step of the machine; null when the event means nothing in this state. */
export function step<E extends EventType>(job: JobCore, ev: EventOf<E>, now: Now): Step | null {
  const cell: Handler<E> = machine[job.state][ev.type];
  return cell(job, ev, now);
}

/** The effects that put a job back in motion after a daemon restart (timers do not survive one).
 *  A backoff goes on for what is left of it: its delay, from its restart time (the last of the
 *  stored restart times; `attempt` was counted up when it was decided). */
export function resumeEffects(job: JobCore, mono: number): Effect[] {
  switch (job.state) {
    case 'backoff': {
      const at = job.restartTimes.at(-1);
      const left = at == null ? 0 : backoffDelay(job.spec, Math.max(0, job.attempt - 1)) - Math.max(0, mono - at);
      return [{ kind: 'deadline', in: Math.max(0, left) }];
    }
    case 'starting':
      if (job.pid == null) return job.want === 'up' ? [{ kind: 'spawn' }] : [];
      return job.spec.ready === 'notify' ? [] : [{ kind: 'deadline', in: job.spec.ready }];
    case 'stopping':
      return [{ kind: 'signal', sig: job.spec.stopSignal, all: true }, { kind: 'deadline', in: job.spec.stopTimeout }];
    default:
      return [];
  }
}
