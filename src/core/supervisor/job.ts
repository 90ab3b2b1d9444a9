// A job as the supervisor holds it: the stored row plus what only the running daemon knows.
import type { JobRow } from '../../store/jobs.js';
import { MAX_TIMER_MS, monoNow } from './clock.js';
import type { JobCore, State } from './machine.js';
import type { Termination } from './termination.js';

/** A job: its stored row, the machine's fields, and its deadline timer. */
export interface Job extends Omit<JobRow, 'state' | 'lastExit'>, JobCore {
  state: State;
  lastExit: Termination | null;
  timer: NodeJS.Timeout | null;
  /** A pty's initial size for the next spawn (from the terminal that runs it). */
  winsize: { rows: number; cols: number } | null;
  /** How its last spawn's exec failed, as a shell says it (for `run`, which reports it); null
   *  when it did not. Not stored: `run` asks for it as the job ends. */
  execFailure: { said: string; status: 126 | 127 } | null;
}

/** A change of a job, for the event stream and the foreground log. */
export interface JobChange {
  job: Job;
  from: State;
  to: State;
  note?: string;
}

export const RESTING: ReadonlySet<State> = new Set(['stopped', 'exited', 'fatal']);

/** True when a job has nothing running and nothing pending (the helper says nothing of it lives). */
/** Its leader has ended and the job will not run again by itself, though what the leader left
 *  (a `cmd &` of its shell, a nohup'd child) may run on: what a shell's `wait` waits for. */
export function leaderEnded(j: JobCore): boolean {
  return RESTING.has(j.state) && j.pid == null;
}

export function isResting(j: JobCore): boolean {
  return RESTING.has(j.state) && j.pid == null && j.others.size === 0 && !j.populated;
}

/**
 * A job as loaded from the store (or just created): nothing but the row is known yet.
 * Every field is named here, in one order, so that every job has one shape (V8's hidden class):
 * built with `...row` (and patched with Object.assign) the jobs of one `up` of 1,000 had 992
 * shapes, every read of a job's field in `status` missed V8's caches, and a job's view cost
 * ~5 µs. Whoever adds a field to Job or JobRow adds it here.
 */
export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id, number: row.number, program: row.program, instance: row.instance, spec: row.spec,
    state: row.state as State, want: row.want, pid: row.pid, startTicks: row.startTicks, startedAt: row.startedAt,
    restarts: row.restarts, restartTimes: row.restartTimes.filter((t) => t <= monoNow()), /* later ones are of an earlier boot */ attempt: row.attempt, lastExit: row.lastExit as Termination | null,
    reason: row.reason, suspended: row.suspended, ownerUid: row.ownerUid, createdAt: row.createdAt,
    timer: null, others: new Set(), populated: false, killRounds: 0, startedMono: null, stopSig: null,
    touchedAt: row.createdAt, foreign: false, execError: null, opening: null, waitingFor: null, winsize: null, execFailure: null,
    statusText: row.statusText ?? null, clearing: null, extendUntil: null,
  };
}

// How much longer than now a wait for these jobs holds on: the longest time one still starting
// asked for with EXTEND_TIMEOUT_USEC= (sd_notify); 0 if none.
function extendedBy(jobs: Iterable<Job>): number {
  const now = monoNow();
  let ms = 0;
  for (const j of jobs) if (j.state === 'starting' && j.extendUntil != null) ms = Math.max(ms, j.extendUntil - now);
  return ms;
}

/** A wait's time limit, held on while a job of `jobs()` still starting asks for more time
 *  (EXTEND_TIMEOUT_USEC=), as systemd extends its start timeout: calls `timeUp` when it is over;
 *  returns what cancels it. */
export function startTimeout(jobs: () => Iterable<Job>, ms: number, timeUp: () => void): () => void {
  let timer: NodeJS.Timeout;
  const check = (): void => {
    const more = extendedBy(jobs());
    if (more > 0) timer = setTimeout(check, Math.min(more, MAX_TIMER_MS));
    else timeUp();
  };
  timer = setTimeout(check, ms);
  return () => clearTimeout(timer);
}
