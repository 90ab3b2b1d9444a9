// Restart policy, backoff and crash-loop arithmetic: pure functions of the program and the past.
import type { Program } from '../../config/program.js';
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

/** Restart times still inside the crash-loop window, plus now; only the last limit+1 matter. */
export function recentRestarts(p: Program, times: number[], now: number): number[] {
  const keep = Math.max(1, p.crashLoop.limit + 1);
  const recent = times.filter((t) => now - t < p.crashLoop.window);
  recent.push(now);
  return recent.length > keep ? recent.slice(recent.length - keep) : recent;
}

/** True when these restarts are more than the crash-loop limit allows. */
export function isCrashLoop(p: Program, recent: number[]): boolean {
  return p.crashLoop.limit >= 0 && recent.length > p.crashLoop.limit;
}
