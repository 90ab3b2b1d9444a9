// The logs module in the store: which names have had managed logs, whose they are and how they
// are stamped, so that a finished run's logs stay reachable after its job is forgotten.
import { stmt, type Db } from './db.js';

/** The logs module's schema migrations (tracked under the module name 'logs'). */
export const LOGS_MIGRATIONS: string[] = [
  `CREATE TABLE log_sources (
     name TEXT PRIMARY KEY,          -- program or job name: the directory under logs/
     owner_uid INTEGER NOT NULL,     -- who may read them (root: everyone's)
     timestamps TEXT NOT NULL,       -- iso | unix | none
     streams TEXT NOT NULL,          -- 'stdout', 'stderr' or 'stdout,stderr': the managed ones
     seen_at REAL NOT NULL           -- last time a job of this name ran (ms): age bound
   ) WITHOUT ROWID;
   CREATE INDEX log_sources_seen ON log_sources(seen_at);`,
];

/** One remembered log source. */
export interface LogSourceRow {
  name: string;
  ownerUid: number;
  timestamps: 'iso' | 'unix' | 'none';
  streams: ('stdout' | 'stderr')[];
  seenAt: number;
}

/** Remembers (or refreshes) a name's log source. */
export function saveLogSource(db: Db, r: LogSourceRow): void {
  stmt(db, `INSERT INTO log_sources(name, owner_uid, timestamps, streams, seen_at) VALUES(?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET owner_uid = excluded.owner_uid, timestamps = excluded.timestamps,
            streams = excluded.streams, seen_at = excluded.seen_at`).run(r.name, r.ownerUid, r.timestamps, r.streams.join(','), r.seenAt);
}

/** A remembered log source by name, or null. */
export function findLogSource(db: Db, name: string): LogSourceRow | null {
  const r = stmt(db, 'SELECT name, owner_uid, timestamps, streams, seen_at FROM log_sources WHERE name = ?').get(name) as
    { name: string; owner_uid: number; timestamps: LogSourceRow['timestamps']; streams: string; seen_at: number } | undefined;
  if (!r) return null;
  return { name: r.name, ownerUid: r.owner_uid, timestamps: r.timestamps, streams: r.streams.split(',').filter(Boolean) as LogSourceRow['streams'], seenAt: r.seen_at };
}

/** Forgets sources not seen since `before` (ms) and all but the `keep` most recently seen; returns how many. */
export function pruneLogSources(db: Db, before: number, keep: number): number {
  const a = stmt(db, 'DELETE FROM log_sources WHERE seen_at < ?').run(before).changes;
  const b = stmt(db, 'DELETE FROM log_sources WHERE name NOT IN (SELECT name FROM log_sources ORDER BY seen_at DESC LIMIT ?)').run(keep).changes;
  return a + b;
}
