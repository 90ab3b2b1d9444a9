// The restart policy: the one place that decides what happens after a job's leader ends, and
// the restart ticket the helper executes when that decision is "at once" (the helper only checks
// an exit status against the ticket; it decides nothing). Pure functions of the program and the past.
import type { Program } from '../../config/program.js';
import { formatDuration } from '../../config/units.js';
import type { Termination } from './termination.js';

/** True when the program's success codes count this end as a success. */
export function isSuccess(p: Program, t: Termination): boolean {
  return t.signal == null && t.code != null && p.successCodes.includes(t.code);
}

/** Whether the policy restarts after this end (a stop asked for never restarts). */
export function wantsRestart(p: Program, t: Termination): boolean {
  if (p.restart === 'always') return true;
  if (p.restart === 'on-failure') return !isSuccess(p, t);
  return false;
}

/** Backoff before restart number `attempt` (0-based): initial × factor^attempt, capped. */
export function backoffDelay(p: Program, attempt: number): number {
  const d = p.backoff.initial * Math.pow(p.backoff.factor, attempt);
  return Math.min(Math.round(d), p.backoff.max);
}

/** Restart times (monotonic ms) still inside the crash-loop window, plus now; only the last limit+1 matter. */
export function recentRestarts(p: Program, times: readonly number[], now: number): number[] {
  const keep = Math.max(1, p.crashLoop.limit + 1);
  const w = p.crashLoop.window;
  // Times are kept in order (each is a later `now`): the ones inside the window are one run at
  // the end, so they are copied in one slice rather than filtered one by one (with a high limit
  // this array holds every restart of the window: ~1000 in a tight restart loop, issue 17).
  const first = firstInWindow(times, now, w);
  if (first < 0) {
    const recent = times.filter((t) => t <= now && now - t < w); // out of order: the general way
    recent.push(now);
    return recent.length > keep ? recent.slice(recent.length - keep) : recent;
  }
  const recent = times.slice(Math.max(first, times.length - (keep - 1)));
  recent.push(now);
  return recent;
}

// The index of the first time inside the window at `now` when the times are in order (each a
// later `now`: the usual case), or -1 when they are not (another boot's times, a test's).
function firstInWindow(times: readonly number[], now: number, w: number): number {
  let first = 0;
  while (first < times.length && !(times[first] <= now && now - times[first] < w)) first++;
  for (let i = first; i < times.length; i++) if (!(times[i] <= now && now - times[i] < w)) return -1;
  return first;
}

/** recentRestarts(p, times, now).length, without building it. */
export function recentCount(p: Program, times: readonly number[], now: number): number {
  const first = firstInWindow(times, now, p.crashLoop.window);
  if (first < 0) return recentRestarts(p, times, now).length;
  return Math.min(times.length - first + 1, Math.max(1, p.crashLoop.limit + 1));
}

/**
 * recentRestarts, made in the job's own array: the expired times and those beyond the last
 * limit+1 are dropped from its front and `now` is pushed. A copy per restart was O(restarts in
 * the window): with `crash_loop: { limit: 1000000000, window: 1s }` a restart loop copied ~1,400
 * times (11 KB of garbage) per restart. Returns the array to keep (a new one when out of order).
 */
export function noteRestart(p: Program, times: number[], now: number): number[] {
  const first = firstInWindow(times, now, p.crashLoop.window);
  if (first < 0) return recentRestarts(p, times, now);
  const keep = Math.max(1, p.crashLoop.limit + 1);
  const drop = Math.max(first, times.length + 1 - keep);
  if (drop > 0) times.splice(0, drop);
  times.push(now);
  return times;
}

/** What the policy needs to know of a job's past. Times are monotonic ms. */
export interface History {
  want: 'up' | 'down';
  startedMono: number | null;
  attempt: number;
  restarts: number;
  restartTimes: number[];
  /** exec itself failed (command not found, permission denied): retrying cannot help. */
  execFailed: boolean;
  /** The helper already restarted the job under a ticket this policy issued. */
  ticketUsed: boolean;
}

/** The decision after a leader ended on its own. */
export type Decision =
  | { kind: 'rest'; why: string }
  | { kind: 'fatal'; why: string }
  | { kind: 'restart'; delay: number; attempt: number; restartTimes: number[]; why: string }
  | { kind: 'restarted'; attempt: number; restartTimes: number[]; why: string };

/** How people read an end: `web exited with code 1 after 120ms`. */
export function describeEnd(p: Program, t: Termination, upFor: number): string {
  const how = t.unknown ? 'ended while the daemon or its helper was down' : t.signal == null ? `exited with code ${t.code}` : `was killed by ${t.text}`;
  return `${p.name} ${how} after ${formatDuration(upFor)}`;
}

/** Decides what follows the end of a job's leader: rest, give up, or restart (now or later). */
export function decideAfterExit(p: Program, h: History, t: Termination, now: number): Decision {
  const upFor = h.startedMono != null ? Math.max(0, now - h.startedMono) : 0;
  const why = describeEnd(p, t, upFor);
  if (h.want === 'down' || p.schedule.kind !== 'service' || !wantsRestart(p, t)) return { kind: 'rest', why };
  if (h.execFailed) return { kind: 'fatal', why };
  const attempt = upFor >= p.backoff.reset ? 0 : h.attempt;
  // The job's restart times are updated in place (noteRestart) once a restart is decided.
  if (h.ticketUsed) return { kind: 'restarted', attempt: attempt + 1, restartTimes: noteRestart(p, h.restartTimes, now), why: `${why}; restarted at once (restart ${h.restarts + 1})` };
  const recent = recentCount(p, h.restartTimes, now);
  if (p.crashLoop.limit >= 0 && recent > p.crashLoop.limit) {
    // `recent` counts the restart that would happen now; the ones that did are one fewer.
    return { kind: 'fatal', why: `${why}; ${recent - 1} restarts within ${formatDuration(p.crashLoop.window)} (limit ${p.crashLoop.limit})` };
  }
  const delay = backoffDelay(p, attempt);
  return { kind: 'restart', delay, attempt: attempt + 1, restartTimes: noteRestart(p, h.restartTimes, now), why: `${why}; retrying in ${formatDuration(delay)} (restart ${h.restarts + 1})` };
}

/** Lets the helper restart a job itself, up to `budget` times, when the exit status allows. */
export interface RestartTicket {
  budget: number;
  /** Restart on any end (restart: always); otherwise on any end but a success code. */
  any: boolean;
  ok: number[];
}

/**
 * The ticket for a spawn: only where decideAfterExit would itself say "restart, delay 0" — a
 * service wanted up, zero initial backoff — and for as many restarts as the crash-loop limit
 * still allows. `any`/`ok` restate wantsRestart so the helper can apply it to a raw status.
 */
export function restartTicket(p: Program, h: Pick<History, 'want' | 'restartTimes'>, now: number): RestartTicket | null {
  if (p.schedule.kind !== 'service' || p.restart === 'never' || p.backoff.initial !== 0 || h.want !== 'up') return null;
  // A restart must take the program's needs again (runtime gates): the helper cannot.
  if (Object.keys(p.needs ?? {}).length > 0) return null;
  const used = recentRestarts(p, h.restartTimes, now).length; // counts now as one
  const budget = Math.min(p.crashLoop.limit - used, 1_000_000);
  return budget > 0 ? { budget, any: p.restart === 'always', ok: p.successCodes } : null;
}
