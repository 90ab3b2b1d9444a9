// The scheduler's durable state: the at queue, one crontab per user, when each schedule last
// ran, and which jobs are scheduled runs. All of it survives a kill -9 of the daemon.
import { stmt, type Db } from './db.js';

/** The schedule module's migrations, in order. */
export const SCHEDULE_MIGRATIONS: string[] = [
  `CREATE TABLE at_queue (
     id INTEGER PRIMARY KEY AUTOINCREMENT, -- at's job number: never reused, as at's .SEQ
     queue TEXT NOT NULL,                  -- a-z, A-Z
     uid INTEGER NOT NULL,
     gid INTEGER NOT NULL,
     user TEXT NOT NULL,
     run_at REAL NOT NULL,                 -- ms since the epoch
     spec TEXT NOT NULL,                   -- the TIMESPEC as given
     tz TEXT NOT NULL,                     -- the zone it was read in
     script TEXT NOT NULL,                 -- the job file: what at -c prints and /bin/sh reads
     command TEXT NOT NULL,                -- the script's first line, for atq --json and status
     cwd TEXT NOT NULL,
     env TEXT NOT NULL,                    -- JSON: the environment captured when queued
     umask INTEGER,
     created_at REAL NOT NULL,
     job INTEGER                           -- jobs.id once started (atq shows queue "=")
   );
   CREATE INDEX at_queue_run ON at_queue(run_at);
   CREATE TABLE crontabs (
     uid INTEGER PRIMARY KEY,
     user TEXT NOT NULL,
     text TEXT NOT NULL,
     installed_at REAL NOT NULL
   );
   CREATE TABLE schedule_state (
     key TEXT PRIMARY KEY,                 -- program:NAME | cron:UID:LINE
     sig TEXT NOT NULL,                    -- the schedule it was planned from; another one starts afresh
     last REAL,                            -- ms: runs due up to here were handled (run or skipped)
     last_run REAL,                        -- ms: when a run last started
     due REAL,                             -- at programs: the time the TIMESPEC resolved to
     done INTEGER NOT NULL DEFAULT 0,      -- at programs: ran (or was skipped) once
     planned_at REAL NOT NULL
   );
   CREATE TABLE schedule_jobs (
     job INTEGER PRIMARY KEY,              -- jobs.id of a run the scheduler created
     source TEXT NOT NULL,                 -- program:NAME | cron:UID:LINE | at:ID
     due REAL NOT NULL,
     ended REAL                            -- ms when it came to rest
   );`,
];

/** One at job as stored. */
export interface AtRow {
  id: number;
  queue: string;
  uid: number;
  gid: number;
  user: string;
  runAt: number;
  spec: string;
  tz: string;
  script: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  umask: number | null;
  createdAt: number;
  job: number | null;
}

interface AtRaw {
  id: number; queue: string; uid: number; gid: number; user: string; run_at: number; spec: string; tz: string;
  script: string; command: string; cwd: string; env: string; umask: number | null; created_at: number; job: number | null;
}

const atRow = (r: AtRaw): AtRow => ({
  id: r.id, queue: r.queue, uid: r.uid, gid: r.gid, user: r.user, runAt: r.run_at, spec: r.spec, tz: r.tz, script: r.script,
  command: r.command, cwd: r.cwd, env: JSON.parse(r.env), umask: r.umask, createdAt: r.created_at, job: r.job,
});

/** Queues an at job; returns it with its number. */
export function insertAt(db: Db, a: Omit<AtRow, 'id' | 'job'>): AtRow {
  const info = stmt(db,
    `INSERT INTO at_queue(queue, uid, gid, user, run_at, spec, tz, script, command, cwd, env, umask, created_at)
     VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  ).run(a.queue, a.uid, a.gid, a.user, a.runAt, a.spec, a.tz, a.script, a.command, a.cwd, JSON.stringify(a.env), a.umask, a.createdAt);
  return { ...a, id: Number(info.lastInsertRowid), job: null };
}

/** Every at job, queued or running, by time then number. */
export function listAt(db: Db): AtRow[] {
  return (stmt(db, 'SELECT * FROM at_queue ORDER BY run_at, id').all() as AtRaw[]).map(atRow);
}

/** One at job, or null. */
export function getAt(db: Db, id: number): AtRow | null {
  const r = stmt(db, 'SELECT * FROM at_queue WHERE id = ?').get(id) as AtRaw | undefined;
  return r ? atRow(r) : null;
}

/** Marks an at job started as this job. */
export function markAtStarted(db: Db, id: number, job: number): void {
  stmt(db, 'UPDATE at_queue SET job = ? WHERE id = ?').run(job, id);
}

/** Puts an at job back in the queue: the run it was marked started as never started. */
export function unmarkAtStarted(db: Db, id: number): void {
  stmt(db, 'UPDATE at_queue SET job = NULL WHERE id = ?').run(id);
}

/** Who owns each of these at jobs and whether it started, in one indexed query (no script or
 *  environment read): what `atrm` of thousands needs to decide. Unknown ids are absent. */
export function atOwners(db: Db, ids: number[]): Map<number, { uid: number; job: number | null }> {
  const rows = stmt(db, 'SELECT id, uid, job FROM at_queue WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: number; uid: number; job: number | null }[];
  return new Map(rows.map((r) => [r.id, { uid: r.uid, job: r.job }]));
}

/** Removes these at jobs from the queue in one statement (call inside a transaction). */
export function deleteAts(db: Db, ids: number[]): void {
  if (ids.length) stmt(db, 'DELETE FROM at_queue WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids));
}

/** Removes an at job from the queue. */
export function deleteAt(db: Db, id: number): void {
  stmt(db, 'DELETE FROM at_queue WHERE id = ?').run(id);
}

/** One user's crontab as installed. */
export interface CrontabRow {
  uid: number;
  user: string;
  text: string;
  installedAt: number;
}

/** The crontab of a user, or null. */
export function getCrontab(db: Db, uid: number): CrontabRow | null {
  const r = stmt(db, 'SELECT uid, user, text, installed_at AS installedAt FROM crontabs WHERE uid = ?').get(uid) as CrontabRow | undefined;
  return r ?? null;
}

/** Every installed crontab. */
export function listCrontabs(db: Db): CrontabRow[] {
  return stmt(db, 'SELECT uid, user, text, installed_at AS installedAt FROM crontabs ORDER BY uid').all() as CrontabRow[];
}

/** Installs (replaces) a user's crontab. */
export function putCrontab(db: Db, c: CrontabRow): void {
  stmt(db,
    `INSERT INTO crontabs(uid, user, text, installed_at) VALUES(?,?,?,?)
     ON CONFLICT(uid) DO UPDATE SET user = excluded.user, text = excluded.text, installed_at = excluded.installed_at`,
  ).run(c.uid, c.user, c.text, c.installedAt);
}

/** Removes a user's crontab; false when there was none. */
export function deleteCrontab(db: Db, uid: number): boolean {
  return stmt(db, 'DELETE FROM crontabs WHERE uid = ?').run(uid).changes > 0;
}

/** What is remembered of one schedule. */
export interface ScheduleState {
  key: string;
  sig: string;
  last: number | null;
  lastRun: number | null;
  due: number | null;
  done: boolean;
  plannedAt: number;
}

/** Every remembered schedule, by key. */
export function loadStates(db: Db): Map<string, ScheduleState> {
  const rows = stmt(db, 'SELECT key, sig, last, last_run AS lastRun, due, done, planned_at AS plannedAt FROM schedule_state').all() as (Omit<ScheduleState, 'done'> & { done: number })[];
  return new Map(rows.map((r) => [r.key, { ...r, done: r.done !== 0 }]));
}

/** Writes what is remembered of one schedule. */
export function saveState(db: Db, s: ScheduleState): void {
  stmt(db,
    `INSERT INTO schedule_state(key, sig, last, last_run, due, done, planned_at) VALUES(?,?,?,?,?,?,?)
     ON CONFLICT(key) DO UPDATE SET sig = excluded.sig, last = excluded.last, last_run = excluded.last_run, due = excluded.due,
       done = excluded.done, planned_at = excluded.planned_at`,
  ).run(s.key, s.sig, s.last, s.lastRun, s.due, s.done ? 1 : 0, s.plannedAt);
}

/** Forgets schedules whose keys are not in `keep` (among those starting with prefix). */
export function pruneStates(db: Db, prefix: string, keep: Set<string>): void {
  const rows = stmt(db, 'SELECT key FROM schedule_state WHERE substr(key, 1, ?) = ?').all(prefix.length, prefix) as { key: string }[];
  for (const r of rows) if (!keep.has(r.key)) stmt(db, 'DELETE FROM schedule_state WHERE key = ?').run(r.key);
}

/** A job the scheduler created for one run. */
export interface ScheduledJob {
  job: number;
  source: string;
  due: number;
  ended: number | null;
}

/** Every scheduled run still known. */
export function listScheduledJobs(db: Db): ScheduledJob[] {
  return stmt(db, 'SELECT job, source, due, ended FROM schedule_jobs ORDER BY job').all() as ScheduledJob[];
}

/** Remembers a run. */
export function insertScheduledJob(db: Db, s: ScheduledJob): void {
  stmt(db, 'INSERT OR REPLACE INTO schedule_jobs(job, source, due, ended) VALUES(?,?,?,?)').run(s.job, s.source, s.due, s.ended);
}

/** Records when a run came to rest. */
export function endScheduledJob(db: Db, job: number, ended: number): void {
  stmt(db, 'UPDATE schedule_jobs SET ended = ? WHERE job = ?').run(ended, job);
}

/** Forgets a run. */
export function deleteScheduledJob(db: Db, job: number): void {
  stmt(db, 'DELETE FROM schedule_jobs WHERE job = ?').run(job);
}
