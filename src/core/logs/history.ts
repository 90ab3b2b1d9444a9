// A bounded memory of names that have had managed logs: `logs at-1` keeps working after the job
// of the run is forgotten (by `jobs`, `wait()` or the scheduler), for a while and up to a count.
import type { Program } from '../../config/program.js';
import type { Db } from '../../store/db.js';
import { findLogSource, pruneLogSources, saveLogSource, type LogSourceRow } from '../../store/logs.js';

/** How much of the past is kept: names seen in the last `ageMs`, at most `count` of them. */
export interface HistoryBounds {
  count: number;
  ageMs: number;
}

/** Defaults: the last 1000 names, seen within 30 days. */
export const HISTORY_DEFAULTS: HistoryBounds = { count: 1000, ageMs: 30 * 86_400_000 };

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** Bounds from APPINIT_LOG_HISTORY (a count) and APPINIT_LOG_HISTORY_AGE (`30d`, `12h`); bad values are said and ignored. */
export function historyBounds(env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = (m) => void process.stderr.write(m)): HistoryBounds {
  const b = { ...HISTORY_DEFAULTS };
  const count = env.APPINIT_LOG_HISTORY;
  if (count) {
    if (/^\d+$/.test(count)) b.count = Number(count);
    else warn(`appinit: APPINIT_LOG_HISTORY: expected a whole number of names, got "${count}"; using ${b.count}\n`);
  }
  const age = env.APPINIT_LOG_HISTORY_AGE;
  if (age) {
    const m = /^(\d+)([smhdw])$/.exec(age);
    if (m) b.ageMs = Number(m[1]) * UNIT_MS[m[2]];
    else warn(`appinit: APPINIT_LOG_HISTORY_AGE: expected a duration like 30d or 12h, got "${age}"; using 30d\n`);
  }
  return b;
}

/** Streams of a program that go to managed logs. */
export function managedStreams(p: Program): ('stdout' | 'stderr')[] {
  const out: ('stdout' | 'stderr')[] = [];
  if (p.stdout.kind === 'log') out.push('stdout');
  if (p.stderr.kind === 'log') out.push('stderr');
  return out;
}

/** The store-backed history; writes only when something changed (or once a minute per name). */
export class LogHistory {
  private readonly seen = new Map<string, string>();
  private lastPrune = 0;

  constructor(private readonly db: Db, private readonly bounds: HistoryBounds = HISTORY_DEFAULTS, private readonly now = () => Date.now()) {}

  /** Notes that a job of this program ran for ownerUid. */
  note(p: Program, ownerUid: number): void {
    const streams = managedStreams(p);
    if (streams.length === 0) return;
    const t = this.now();
    const sig = `${ownerUid}|${p.log.timestamps}|${streams.join(',')}|${Math.floor(t / 60_000)}`;
    if (this.seen.get(p.name) === sig) return;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(p.name, sig);
    saveLogSource(this.db, { name: p.name, ownerUid, timestamps: p.log.timestamps, streams, seenAt: t });
    if (t - this.lastPrune > 60_000) this.prune();
  }

  /** What is remembered of a name, or null. */
  find(name: string): LogSourceRow | null {
    const r = findLogSource(this.db, name);
    return r && r.seenAt >= this.now() - this.bounds.ageMs ? r : null;
  }

  /** Applies the bounds now. */
  prune(): number {
    this.lastPrune = this.now();
    return pruneLogSources(this.db, this.now() - this.bounds.ageMs, this.bounds.count);
  }
}
