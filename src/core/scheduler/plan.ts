// Pure decisions of the scheduler: when a schedule runs next, what a restart of the daemon
// owes it, and what a run does when the previous one is still going. The timer loop in
// scheduler.ts only asks these and sleeps.
import { AtPastError, nextRuns, resolveAt, type CronExpr } from '../../schedule/index.js';

/** The first run of a cron schedule strictly after `after` (ms), or null if it never runs again. */
export function nextCron(expr: CronExpr, tz: string | null, after: number): number | null {
  const [d] = nextRuns(expr, 1, new Date(after), tz ?? undefined);
  return d ? d.getTime() : null;
}

/** Where a cron schedule stands when (re)planned: run once now (a missed run), and plan from. */
export interface CronCatchUp {
  runNow: boolean;
  /** missed runs were found (and skipped unless runNow) */
  missed: boolean;
  from: number;
}

/**
 * A cron schedule last handled at `last` (null: never seen), planned by a daemon that started
 * at `startedAt`: runs due before `startedAt` fell while no daemon was running. `skip` drops
 * them, as cron does; `run-once` runs once now for all of them, as systemd's Persistent= does.
 */
export function cronCatchUp(expr: CronExpr, tz: string | null, last: number | null, startedAt: number, now: number, missed: 'skip' | 'run-once'): CronCatchUp {
  if (last == null) return { runNow: false, missed: false, from: now };
  const first = nextCron(expr, tz, last);
  if (first == null || first >= startedAt) return { runNow: false, missed: false, from: last };
  return { runNow: missed === 'run-once', missed: true, from: startedAt };
}

/**
 * The time an `at:` program's TIMESPEC names, read now in the daemon's zone. A time already
 * past (an absolute date gone by) is kept as it is: the missed policy decides.
 */
export function atProgramDue(spec: string, now: number, tz?: string): number {
  try {
    return resolveAt(spec, new Date(now), tz).getTime();
  } catch (e) {
    if (e instanceof AtPastError) return e.when.getTime();
    throw e;
  }
}

/** What an `at:` program owes: run at `due`, run now (missed, run-once), or nothing. */
export function atProgramNext(due: number, done: boolean, plannedAt: number, startedAt: number, now: number, missed: 'skip' | 'run-once'): { next: number | null; skipped: boolean } {
  if (done) return { next: null, skipped: false };
  // Missed only if it was planned before this daemon started and fell due before it started.
  const fellWhileDown = due < startedAt && plannedAt < startedAt;
  if (!fellWhileDown) return { next: due, skipped: false };
  return missed === 'run-once' ? { next: Math.min(due, now), skipped: false } : { next: null, skipped: true };
}

/** What a run does: start the program, start another job beside the busy one, skip, or wait. */
export type RunAction = 'start' | 'extra' | 'skip' | 'queue';

/** overlap: allow (start another), skip (drop this run), queue (run when the previous ends). */
export function overlapAction(overlap: 'allow' | 'skip' | 'queue', busy: boolean): RunAction {
  if (!busy) return 'start';
  return overlap === 'allow' ? 'extra' : overlap;
}
