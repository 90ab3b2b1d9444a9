// Queries on the jobs table. A Job row is the durable half of a job; the runtime keeps the rest.
import { upgradeProgram, type Program } from '../config/program.js';
import { stmt, type Db } from './db.js';
import { specJson } from './spec-json.js';

/** A job as stored. */
export interface JobRow {
  id: number;
  number: number;
  program: string | null;
  instance: number;
  spec: Program;
  state: string;
  want: 'up' | 'down';
  pid: number | null;
  startTicks: number | null;
  startedAt: number | null;
  restarts: number;
  restartTimes: number[];
  attempt: number;
  lastExit: unknown;
  reason: string | null;
  suspended: boolean;
  ownerUid: number;
  createdAt: number;
  /** The last STATUS= its program sent on $NOTIFY_SOCKET, or null. */
  statusText?: string | null;
}

interface Raw {
  id: number; number: number; program: string | null; instance: number; spec: string; state: string; want: string;
  pid: number | null; start_ticks: number | null; started_at: number | null; restarts: number; restart_times: string;
  attempt: number; last_exit: string | null; reason: string | null; suspended: number; owner_uid: number; created_at: number;
  status_text: string | null;
}

function fromRaw(r: Raw): JobRow {
  return {
    id: r.id, number: r.number, program: r.program, instance: r.instance, spec: upgradeProgram(JSON.parse(r.spec)), state: r.state,
    want: r.want as 'up' | 'down', pid: r.pid, startTicks: r.start_ticks, startedAt: r.started_at, restarts: r.restarts,
    restartTimes: JSON.parse(r.restart_times), attempt: r.attempt, lastExit: r.last_exit ? JSON.parse(r.last_exit) : null,
    reason: r.reason, suspended: r.suspended !== 0, ownerUid: r.owner_uid, createdAt: r.created_at, statusText: r.status_text ?? null,
  };
}

/** Every job not removed, oldest first. */
export function liveJobs(db: Db): JobRow[] {
  return (db.prepare('SELECT * FROM jobs WHERE removed = 0 ORDER BY id').all() as Raw[]).map(fromRaw);
}

// Job numbers in use, per store, kept in memory after one read: finding the smallest free
// number by reading every live number per insert made creating N jobs O(N^2) (issue 17).
interface Numbers {
  used: Set<number>;
  /** No number below this is free. */
  low: number;
}
const numbers = new WeakMap<Db, Numbers>();

function numbersOf(db: Db): Numbers {
  let n = numbers.get(db);
  if (!n) {
    const rows = stmt(db, 'SELECT number FROM jobs WHERE removed = 0').all() as { number: number }[];
    numbers.set(db, (n = { used: new Set(rows.map((r) => r.number)), low: 1 }));
  }
  return n;
}

// A rolled-back transaction can leave the memory saying a number is free when its row is
// still live; one indexed probe per insert keeps numbers unique anyway.
function isLive(db: Db, number: number): boolean {
  return stmt(db, 'SELECT 1 FROM jobs WHERE removed = 0 AND number = ? LIMIT 1').get(number) !== undefined;
}

/** Inserts a job with the smallest free job number, as bash numbers jobs (amortised O(1)). */
export function insertJob(db: Db, j: Omit<JobRow, 'id' | 'number'>): JobRow {
  const n = numbersOf(db);
  let number = n.low;
  while (n.used.has(number) || isLive(db, number)) {
    n.used.add(number);
    number++;
  }
  n.used.add(number);
  n.low = number + 1;
  const info = stmt(db,
    `INSERT INTO jobs(number, program, instance, spec, state, want, pid, start_ticks, started_at, restarts, restart_times,
      attempt, last_exit, reason, suspended, owner_uid, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  )
    .run(number, j.program, j.instance, specJson(j.spec), j.state, j.want, j.pid, j.startTicks, j.startedAt, j.restarts,
      JSON.stringify(j.restartTimes), j.attempt, j.lastExit ? JSON.stringify(j.lastExit) : null, j.reason, j.suspended ? 1 : 0,
      j.ownerUid, j.createdAt);
  return { ...j, id: Number(info.lastInsertRowid), number };
}

/** Writes the state of a job (on every transition: kept cheap, the program is saved apart).
 *  With it the crash-loop window's restart times (monotonic ms, as CLOCK_MONOTONIC runs on across
 *  a daemon restart): a daemon killed during a backoff neither restarts the job early nor starts
 *  a fresh window (a crashing daemon kept a crash-looping program restarting without limit). */
export function saveJob(db: Db, j: JobRow): void {
  stmt(db,
    `UPDATE jobs SET state=?, want=?, pid=?, start_ticks=?, started_at=?, restarts=?, restart_times=?, attempt=?,
      last_exit=?, reason=?, suspended=?, status_text=? WHERE id=?`,
  ).run(j.state, j.want, j.pid, j.startTicks, j.startedAt, j.restarts, JSON.stringify(j.restartTimes),
    j.attempt, j.lastExit ? JSON.stringify(j.lastExit) : null, j.reason, j.suspended ? 1 : 0, j.statusText ?? null, j.id);
}

/** Writes the program a job runs. */
export function saveJobSpec(db: Db, j: JobRow): void {
  stmt(db, 'UPDATE jobs SET spec=? WHERE id=?').run(specJson(j.spec), j.id);
}

/** Marks a job removed: its number is free again, its records stay. */
export function removeJob(db: Db, id: number): void {
  const row = stmt(db, 'SELECT number FROM jobs WHERE id = ? AND removed = 0').get(id) as { number: number } | undefined;
  stmt(db, 'UPDATE jobs SET removed = 1 WHERE id = ?').run(id);
  if (!row) return;
  const n = numbersOf(db);
  n.used.delete(row.number);
  n.low = Math.min(n.low, row.number);
}

/** The index that makes job-number lookups cheap (a migration of the programs module). */
export const JOB_NUMBER_INDEX = 'CREATE INDEX IF NOT EXISTS jobs_number ON jobs(removed, number)';
