// The job state machine, as an exhaustive table: machine[state][event] -> step.
// Pure: it decides the next state and the effects from (job, event, now); the supervisor
// runtime persists the step, emits one event and carries the effects out.
import type { Program } from '../../config/program.js';
import { formatDuration } from '../../config/units.js';
import { backoffDelay, isCrashLoop, recentRestarts, wantsRestart } from './policy.js';
import type { Termination } from './termination.js';

/** What a job is doing now. */
export type State = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'fatal';

/** What happened to a job. `remaining`: its processes still alive besides the leader. */
export type JobEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'spawned'; pid: number; start: number }
  | { type: 'spawnFailed'; error: string }
  | { type: 'exit'; term: Termination; remaining: number; reason?: string; noRetry?: boolean; respawned?: boolean }
  | { type: 'drained' }
  | { type: 'timer' };

/** What the runtime must do after a step. */
export type Effect =
  | { kind: 'spawn' }
  | { kind: 'signal'; sig: string; all: boolean }
  | { kind: 'deadline'; in: number | null };

/** The part of a job the machine reads and writes. Times are wall-clock ms. */
export interface JobCore {
  state: State;
  want: 'up' | 'down';
  pid: number | null;
  startTicks: number | null;
  startedAt: number | null;
  restarts: number;
  restartTimes: number[];
  attempt: number;
  lastExit: Termination | null;
  reason: string | null;
  spec: Program;
  /** Live processes of the job besides the leader (adopted descendants). */
  others: { size: number };
}

/** A transition: fields that change, effects to carry out, and a line for the event log. */
export interface Step {
  patch: Partial<JobCore>;
  effects: Effect[];
  note?: string;
}

type Handler = (job: JobCore, ev: never, now: number) => Step | null;
type Table = { [S in State]: { [E in JobEvent['type']]: Handler } };

const ignore: Handler = () => null;

const spawnNow = (job: JobCore): Step => ({
  patch: { state: 'starting', want: 'up', pid: null, startTicks: null, reason: null },
  effects: [{ kind: 'spawn' }, { kind: 'deadline', in: null }],
});

// A start asked for by a person clears the crash-loop history (as supervisord's start after FATAL).
const startFresh: Handler = (job) => {
  const s = spawnNow(job);
  s.patch.attempt = 0;
  s.patch.restartTimes = [];
  return s;
};

// With `ready: 0` a started process counts as running at once: no timer round trip.
const onSpawned: Handler = (job, ev: Extract<JobEvent, { type: 'spawned' }>, now) =>
  job.spec.ready === 0
    ? { patch: { pid: ev.pid, startTicks: ev.start, startedAt: now, state: 'running' }, effects: [{ kind: 'deadline', in: null }] }
    : { patch: { pid: ev.pid, startTicks: ev.start, startedAt: now }, effects: [{ kind: 'deadline', in: job.spec.ready }] };

const onSpawnFailed: Handler = (job, ev: Extract<JobEvent, { type: 'spawnFailed' }>) => ({
  patch: { state: 'fatal', want: 'down', pid: null, reason: ev.error },
  effects: [{ kind: 'deadline', in: null }],
  note: `${job.spec.name}: cannot start: ${ev.error}`,
});

const becomeRunning: Handler = () => ({ patch: { state: 'running' }, effects: [{ kind: 'deadline', in: null }] });

// The leader ended on its own: the restart policy, backoff and crash-loop limit decide.
const onCrash: Handler = (job, ev: Extract<JobEvent, { type: 'exit' }>, now) => {
  const p = job.spec;
  const upFor = job.startedAt != null ? now - job.startedAt : 0;
  const base = { pid: null, startTicks: null, lastExit: ev.term };
  const why = `${p.name} ${ev.term.text.startsWith('exit') ? `exited with code ${ev.term.code}` : `was killed by ${ev.term.text}`} after ${formatDuration(upFor)}`;
  if (job.want === 'down' || p.schedule.kind !== 'service' || !wantsRestart(p, ev.term)) {
    return { patch: { ...base, state: 'exited', want: 'down', reason: ev.reason ?? null }, effects: [{ kind: 'deadline', in: null }], note: why };
  }
  if (ev.noRetry) {
    // exec itself failed (command not found, permission denied): retrying cannot help.
    return { patch: { ...base, state: 'fatal', want: 'down', reason: ev.reason ?? why }, effects: [{ kind: 'deadline', in: null }], note: ev.reason ?? why };
  }
  const attempt = upFor >= p.backoff.reset ? 0 : job.attempt;
  const recent = recentRestarts(p, job.restartTimes, now);
  if (ev.respawned) {
    // The helper already restarted it under a ticket this machine issued (zero backoff, within
    // the crash-loop budget): record the restart; the new pid arrives as `spawned`.
    return {
      patch: { ...base, state: 'starting', restarts: job.restarts + 1, restartTimes: recent, attempt: attempt + 1, reason: null },
      effects: [{ kind: 'deadline', in: null }],
      note: `${why}; restarted at once (restart ${job.restarts + 1})`,
    };
  }
  if (isCrashLoop(p, recent)) {
    const reason = `${why}; ${recent.length} restarts within ${formatDuration(p.crashLoop.window)} (limit ${p.crashLoop.limit})`;
    return { patch: { ...base, state: 'fatal', want: 'down', reason }, effects: [{ kind: 'deadline', in: null }], note: reason };
  }
  const delay = backoffDelay(p, attempt);
  const patch = { ...base, restarts: job.restarts + 1, restartTimes: recent, attempt: attempt + 1, reason: ev.reason ?? null };
  const note = `${why}; retrying in ${formatDuration(delay)} (restart ${job.restarts + 1})`;
  if (delay === 0) return { patch: { ...patch, state: 'starting' }, effects: [{ kind: 'spawn' }, { kind: 'deadline', in: null }], note };
  return { patch: { ...patch, state: 'backoff' }, effects: [{ kind: 'deadline', in: delay }], note };
};

const beginStop: Handler = (job) => ({
  patch: { state: 'stopping', want: 'down' },
  effects: [{ kind: 'signal', sig: job.spec.stopSignal, all: true }, { kind: 'deadline', in: job.spec.stopTimeout }],
});

const cancelBackoff: Handler = () => ({ patch: { state: 'stopped', want: 'down' }, effects: [{ kind: 'deadline', in: null }] });

// While stopping, the job is stopped only when the leader and every adopted descendant are gone.
const stoppingExit: Handler = (job, ev: Extract<JobEvent, { type: 'exit' }>) => {
  const base = { pid: null, startTicks: null, lastExit: ev.term };
  if (ev.remaining > 0) return { patch: base, effects: [] };
  return { patch: { ...base, state: 'stopped' }, effects: [{ kind: 'deadline', in: null }] };
};

const stoppingDrained: Handler = (job) =>
  job.pid == null ? { patch: { state: 'stopped' }, effects: [{ kind: 'deadline', in: null }] } : null;

// The stop timeout passed: KILL the whole job. KILL cannot be ignored, so the next timer ends it.
const stoppingTimer: Handler = (job) => {
  if (job.reason === 'killed after stop timeout') {
    return { patch: { state: 'stopped', pid: null }, effects: [{ kind: 'deadline', in: null }], note: `${job.spec.name}: processes left in uninterruptible sleep` };
  }
  return {
    patch: { reason: 'killed after stop timeout' },
    effects: [{ kind: 'signal', sig: 'SIGKILL', all: true }, { kind: 'deadline', in: 5000 }],
    note: `${job.spec.name}: still running ${formatDuration(job.spec.stopTimeout)} after ${job.spec.stopSignal}; sending SIGKILL`,
  };
};

// An exit after the job was already given up (e.g. a straggler): record only.
const lateExit: Handler = (job, ev: Extract<JobEvent, { type: 'exit' }>) => ({ patch: { pid: null, lastExit: ev.term }, effects: [] });

// Resting, but adopted descendants may outlive the leader: a stop still reaches them.
const stopLeftovers: Handler = (job) => (job.others.size > 0 ? beginStop(job, undefined as never, 0) : null);

const idle = { start: startFresh, stop: stopLeftovers, spawned: ignore, spawnFailed: ignore, exit: lateExit, drained: ignore, timer: ignore };

/** The whole machine. A missing cell is a compile error. */
export const machine: Table = {
  starting: { start: ignore, stop: beginStop, spawned: onSpawned, spawnFailed: onSpawnFailed, exit: onCrash, drained: ignore, timer: becomeRunning },
  running: { start: ignore, stop: beginStop, spawned: ignore, spawnFailed: ignore, exit: onCrash, drained: ignore, timer: ignore },
  backoff: { start: startFresh, stop: cancelBackoff, spawned: ignore, spawnFailed: ignore, exit: lateExit, drained: ignore, timer: spawnNow },
  stopping: { start: ignore, stop: ignore, spawned: ignore, spawnFailed: ignore, exit: stoppingExit, drained: stoppingDrained, timer: stoppingTimer },
  stopped: idle,
  exited: idle,
  fatal: idle,
};

/** One step of the machine; null when the event means nothing in this state. */
export function step(job: JobCore, ev: JobEvent, now: number): Step | null {
  const h = machine[job.state][ev.type] as (j: JobCore, e: JobEvent, n: number) => Step | null;
  return h(job, ev, now);
}
