// at's batch rule (at(1), atd(8)): a job of queue b (`batch`, `at -b`) or of an uppercase queue
// runs once its time has come *and* the load average is below a limit, and batch jobs start at
// least an interval apart — atd's `-l 1.5` and `-b 60`, here APPINIT_BATCH_LOAD and
// APPINIT_BATCH_INTERVAL (seconds). The oldest due batch job goes first, one per look.

/** The limit, the interval and where the load average comes from. */
export interface BatchRule {
  /** The 1-minute load average now. */
  load: () => number;
  /** Batch jobs wait while the load average is at or above this (atd -l). */
  limit: number;
  /** At least this long between the starts of two batch jobs (atd -b), ms. */
  intervalMs: number;
}

/** atd's compile-time defaults. */
export const BATCH_LOAD = 1.5;
export const BATCH_INTERVAL_MS = 60_000;

/** True for the queues whose jobs follow the batch rule: b, and A to Z. */
export function isBatchQueue(queue: string): boolean {
  return queue === 'b' || (queue >= 'A' && queue <= 'Z');
}

/** The rule from the daemon's environment; a value that is not a number is named and not used. */
export function batchRuleFromEnv(env: NodeJS.ProcessEnv, load: () => number, note: (line: string) => void): BatchRule {
  const read = (name: string, dflt: number): number => {
    const text = env[name];
    if (text == null || text === '') return dflt;
    const v = Number(text);
    if (Number.isFinite(v) && v >= 0) return v;
    note(`${name}=${JSON.stringify(text)} is not a number >= 0; using ${dflt}`);
    return dflt;
  };
  return { load, limit: read('APPINIT_BATCH_LOAD', BATCH_LOAD), intervalMs: read('APPINIT_BATCH_INTERVAL', BATCH_INTERVAL_MS / 1000) * 1000 };
}

/** What a look at the due batch jobs decided: the one to start (or none), and when to look again. */
export interface BatchPick<T> {
  go: T | null;
  /** When to look again while batch jobs wait (ms since the epoch); null when none waits. */
  again: number | null;
}

/** Decides which due batch job starts, remembering when the last one did. */
export class BatchGate {
  private lastStart = -Infinity;

  constructor(private readonly rule: BatchRule) {}

  /** Of the batch jobs whose time has come, the one to start now (the oldest), if the rule allows. */
  pick<T extends { id: number; runAt: number }>(due: readonly T[], now: number): BatchPick<T> {
    if (due.length === 0) return { go: null, again: null };
    const next = this.lastStart + this.rule.intervalMs;
    if (now < next) return { go: null, again: next };
    // The load is read only when a job could go: /proc/loadavg once per look, not per job.
    if (this.rule.load() >= this.rule.limit) return { go: null, again: now + Math.max(this.rule.intervalMs, 1000) };
    let oldest = due[0];
    for (const a of due) if (a.runAt < oldest.runAt || (a.runAt === oldest.runAt && a.id < oldest.id)) oldest = a;
    this.lastStart = now;
    return { go: oldest, again: due.length > 1 ? now + Math.max(this.rule.intervalMs, 1) : null };
  }
}
