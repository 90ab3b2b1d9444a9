// Monitoring in the store: the sampled CPU and memory history of jobs (bounded per job), and
// the sums of accounting records that `times` shows.
import { stmt, type Db } from './db.js';

/** The monitor module's schema migrations (tracked under the module name 'monitor'). */
export const MONITOR_MIGRATIONS: string[] = [
  `CREATE TABLE monitor_samples (
     job INTEGER NOT NULL,          -- jobs.id (job numbers are reused, ids are not)
     seq INTEGER NOT NULL,          -- per job, increasing: pruning keeps the highest
     at REAL NOT NULL,              -- wall clock ms
     pids INTEGER NOT NULL,         -- processes summed
     cpu REAL NOT NULL,             -- percent of one cpu over the interval
     rss_kb INTEGER NOT NULL,
     vsz_kb INTEGER NOT NULL,
     PRIMARY KEY (job, seq)
   ) WITHOUT ROWID;`,
];

/** One sample of one job. */
export interface JobSample {
  job: number;
  at: number;
  pids: number;
  cpu: number;
  rssKb: number;
  vszKb: number;
}

/** The highest sample number stored for each job (to go on numbering after a restart). */
export function lastSampleSeqs(db: Db): Map<number, number> {
  const rows = stmt(db, 'SELECT job, MAX(seq) AS seq FROM monitor_samples GROUP BY job').all() as { job: number; seq: number }[];
  return new Map(rows.map((r) => [r.job, r.seq]));
}

/** How often (in samples per job) old samples are pruned: the history holds at most keep + PRUNE_EVERY - 1. */
export const PRUNE_EVERY = 32;

/**
 * Appends samples in one transaction, numbering them on from `seqs` (updated in place), and
 * drops each job's samples older than the last `keep` every PRUNE_EVERY samples, so that a
 * tick costs one insert per job and only occasionally one indexed delete.
 */
export function insertSamples(db: Db, samples: readonly JobSample[], seqs: Map<number, number>, keep: number): void {
  const ins = stmt(db, 'INSERT OR REPLACE INTO monitor_samples(job, seq, at, pids, cpu, rss_kb, vsz_kb) VALUES(?,?,?,?,?,?,?)');
  const del = stmt(db, 'DELETE FROM monitor_samples WHERE job = ? AND seq <= ?');
  let changes = 0;
  db.transaction(() => {
    for (const s of samples) {
      const seq = (seqs.get(s.job) ?? 0) + 1;
      seqs.set(s.job, seq);
      changes += ins.run(s.job, seq, s.at, s.pids, s.cpu, s.rssKb, s.vszKb).changes;
      if (seq % PRUNE_EVERY === 0 && seq > keep) changes += del.run(s.job, seq - keep).changes;
    }
  })();
  countSampleChanges(db, changes);
}

// Rows written for samples, per connection: the backup keeper leaves them out of "the store
// changed" (src/store/backup.ts), or an idle daemon would copy and verify its whole store every
// backup interval only because it sampled its jobs.
const sampleChanges = new WeakMap<Db, number>();
function countSampleChanges(db: Db, n: number): void {
  sampleChanges.set(db, (sampleChanges.get(db) ?? 0) + n);
}

/** How many of the connection's changes (total_changes()) were sample rows, inserted or pruned. */
export function sampleChangeCount(db: Db): number {
  return sampleChanges.get(db) ?? 0;
}

/** Drops the samples of jobs that are no longer live (removed from the control file). */
export function pruneRemovedJobSamples(db: Db): number {
  const n = stmt(db, 'DELETE FROM monitor_samples WHERE job NOT IN (SELECT id FROM jobs WHERE removed = 0)').run().changes;
  countSampleChanges(db, n);
  return n;
}

/** The last `limit` samples of a job, oldest first. */
export function jobHistory(db: Db, job: number, limit: number): JobSample[] {
  const rows = stmt(db,
    'SELECT * FROM (SELECT job, seq, at, pids, cpu, rss_kb, vsz_kb FROM monitor_samples WHERE job = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
  ).all(job, Math.max(0, Math.floor(limit))) as { job: number; at: number; pids: number; cpu: number; rss_kb: number; vsz_kb: number }[];
  return rows.map((r) => ({ job: r.job, at: r.at, pids: r.pids, cpu: r.cpu, rssKb: r.rss_kb, vszKb: r.vsz_kb }));
}

/** CPU of ended processes summed from their records, in seconds. */
export interface ChildTimes {
  program: string | null;
  runs: number;
  userSec: number;
  systemSec: number;
  realSec: number;
}

/** Sums of every record (`uid` limits them to one user's processes). */
export function childTimesTotal(db: Db, uid?: number): ChildTimes {
  const where = uid == null ? '' : 'WHERE uid = ?';
  const r = stmt(db,
    `SELECT COUNT(*) AS runs, TOTAL(utime) AS u, TOTAL(stime) AS s, TOTAL(CASE WHEN start IS NULL THEN 0 ELSE end - start END) AS re FROM records ${where}`,
  ).get(...(uid == null ? [] : [uid])) as { runs: number; u: number; s: number; re: number };
  return { program: null, runs: r.runs, userSec: r.u, systemSec: r.s, realSec: r.re };
}

/** The same sums per program (null: ad-hoc commands), by program name. */
export function childTimesByProgram(db: Db, uid?: number): ChildTimes[] {
  const where = uid == null ? '' : 'WHERE uid = ?';
  const rows = stmt(db,
    `SELECT program, COUNT(*) AS runs, TOTAL(utime) AS u, TOTAL(stime) AS s,
       TOTAL(CASE WHEN start IS NULL THEN 0 ELSE end - start END) AS re
     FROM records ${where} GROUP BY program ORDER BY program`,
  ).all(...(uid == null ? [] : [uid])) as { program: string | null; runs: number; u: number; s: number; re: number }[];
  return rows.map((r) => ({ program: r.program, runs: r.runs, userSec: r.u, systemSec: r.s, realSec: r.re }));
}
