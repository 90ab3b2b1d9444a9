// Accounting records: one row per reaped process, in termination order (like the kernel's acct).
import { stmt, type Db } from './db.js';
import type { AcctRecord } from './record-types.js';

export type { AcctRecord } from './record-types.js';


/** Appends a record. */
export function insertRecord(db: Db, r: AcctRecord): void {
  stmt(db,
    `INSERT INTO records(pid, ppid, job, program, command, comm, uid, gid, start, end, utime, stime, maxrss, minflt, majflt,
      inblock, oublock, nvcsw, nivcsw, exit_code, signal, core, flags, status, note, source, elapsed, tty, rchar, wchar, avgmem,
      vmpeak, threads)
     VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  ).run(r.pid, r.ppid, r.job, r.program, r.command, r.comm, r.uid, r.gid, r.start, r.end, r.utime, r.stime, r.maxrss, r.minflt,
    r.majflt, r.inblock, r.oublock, r.nvcsw, r.nivcsw, r.exitCode, r.signal, r.core ? 1 : 0, r.flags, r.status, r.note,
    r.source ?? null, r.elapsed ?? null, r.tty ?? null, r.rchar ?? null, r.wchar ?? null, r.avgmem ?? null, r.vmpeak ?? null,
    r.threads ?? null);
}

/** Filters for reading records. */
export interface RecordQuery {
  program?: string;
  /** A job's id (not its %N, which is given again once the job is forgotten). */
  job?: number;
  uid?: number;
  command?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Records matching the query, oldest first (termination order). */
export function queryRecords(db: Db, q: RecordQuery = {}): AcctRecord[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.program) { where.push('program = ?'); args.push(q.program); }
  if (q.job != null) { where.push('job = ?'); args.push(q.job); }
  if (q.uid != null) { where.push('uid = ?'); args.push(q.uid); }
  if (q.command) { where.push('(comm = ? OR command LIKE ?)'); args.push(q.command, `${q.command}%`); }
  if (q.since != null) { where.push('end >= ?'); args.push(q.since); }
  if (q.until != null) { where.push('end <= ?'); args.push(q.until); }
  const sql = `SELECT * FROM (SELECT * FROM records ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC ${q.limit ? 'LIMIT ' + Math.floor(q.limit) : ''}) ORDER BY id`;
  return (db.prepare(sql).all(...args) as Record<string, unknown>[]).map((r) => ({
    id: r.id as number, pid: r.pid as number, ppid: r.ppid as number | null, job: r.job as number | null,
    program: r.program as string | null, command: r.command as string, comm: r.comm as string, uid: r.uid as number | null,
    gid: r.gid as number | null, start: r.start as number | null, end: r.end as number, utime: r.utime as number,
    stime: r.stime as number, maxrss: r.maxrss as number, minflt: r.minflt as number, majflt: r.majflt as number,
    inblock: r.inblock as number, oublock: r.oublock as number, nvcsw: r.nvcsw as number, nivcsw: r.nivcsw as number,
    exitCode: r.exit_code as number | null, signal: r.signal as number | null, core: r.core === 1, flags: r.flags as string,
    status: r.status as number | null, note: r.note as string | null,
    source: (r.source ?? null) as AcctRecord['source'], elapsed: (r.elapsed ?? null) as number | null, tty: (r.tty ?? null) as number | null,
    rchar: (r.rchar ?? null) as number | null, wchar: (r.wchar ?? null) as number | null, avgmem: (r.avgmem ?? null) as number | null,
    vmpeak: (r.vmpeak ?? null) as number | null, threads: (r.threads ?? null) as number | null,
  }));
}

/** The job whose process `pid` was, from its newest record (a pid of a run that has ended). */
export function jobOfRecordedPid(db: Db, pid: number): number | null {
  const r = stmt(db, 'SELECT job FROM records WHERE pid = ? AND job IS NOT NULL ORDER BY id DESC LIMIT 1').get(pid) as { job: number } | undefined;
  return r?.job ?? null;
}

/** Sets the note of pid's latest record (a fact the kernel's record did not carry: the OOM killer). */
export function noteRecord(db: Db, pid: number, note: string): void {
  stmt(db, 'UPDATE records SET note = ? WHERE id = (SELECT id FROM records WHERE pid = ? ORDER BY id DESC LIMIT 1)').run(note, pid);
}

/** True when a kernel (taskstats) record exists for this pid started at `start` (epoch seconds, ±1.5 s: /proc's boot time is whole seconds). */
export function hasKernelRecord(db: Db, pid: number, start: number): boolean {
  return stmt(db, "SELECT 1 FROM records WHERE pid = ? AND source = 'taskstats' AND start BETWEEN ? AND ? LIMIT 1").get(pid, start - 1.5, start + 1.5) !== undefined;
}

/** How the process pid started at `start` ended, from its kernel (taskstats) record; null when there is none. */
export function kernelEnd(db: Db, pid: number, start: number): { code: number | null; signal: number | null; core: boolean } | null {
  const r = stmt(db, "SELECT exit_code, signal, core FROM records WHERE pid = ? AND source = 'taskstats' AND start BETWEEN ? AND ? ORDER BY id DESC LIMIT 1")
    .get(pid, start - 1.5, start + 1.5) as { exit_code: number | null; signal: number | null; core: number } | undefined;
  return r ? { code: r.exit_code, signal: r.signal, core: r.core !== 0 } : null;
}

/** How many accounting records are kept, and for how long. */
export interface RecordsKept {
  /** At most this many (the newest). */
  max: number;
  /** Records of processes that ended before this instant (epoch seconds) go. */
  before: number;
}

/**
 * Deletes the oldest records beyond `keep`, at most `batch` of them (one short statement, so a
 * large backlog never holds the store for long: the caller repeats while a whole batch went).
 * Records are in termination order, so those too old are a prefix of the table: only the
 * oldest `batch` rows are read, never the whole table. Returns how many were deleted.
 */
export function pruneRecords(db: Db, keep: RecordsKept, batch = 10_000): number {
  const oldest = stmt(db, 'SELECT id, "end" AS e FROM records ORDER BY id LIMIT ?').all(batch) as { id: number; e: number | null }[];
  if (oldest.length === 0) return 0;
  const newest = (stmt(db, 'SELECT max(id) AS id FROM records').get() as { id: number }).id;
  // Ids only grow and only the oldest are deleted: the newest `max` are those above newest - max.
  let upto = Math.min(newest - keep.max, oldest[oldest.length - 1].id);
  for (const r of oldest) {
    if (r.e == null || r.e >= keep.before) break;
    upto = Math.max(upto, r.id);
  }
  if (upto < oldest[0].id) return 0;
  return stmt(db, 'DELETE FROM records WHERE id <= ?').run(upto).changes;
}
