// The SQLite store under APPINIT_HOME: the one place state survives a kill -9 of the daemon.
import Database from 'better-sqlite3';

/** An open store. */
export type Db = Database.Database;

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE programs (
     name TEXT PRIMARY KEY,
     spec TEXT NOT NULL,            -- Program as JSON
     file TEXT NOT NULL
   );
   CREATE TABLE jobs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     number INTEGER NOT NULL,       -- %N, smallest free among live jobs, as bash does
     program TEXT,                  -- NULL for an ad-hoc command
     instance INTEGER NOT NULL DEFAULT 0,
     spec TEXT NOT NULL,            -- the Program it runs, as JSON
     state TEXT NOT NULL,
     want TEXT NOT NULL,            -- 'up' | 'down'
     pid INTEGER,
     start_ticks INTEGER,
     started_at REAL,               -- wall clock ms
     restarts INTEGER NOT NULL DEFAULT 0,
     restart_times TEXT NOT NULL DEFAULT '[]',
     attempt INTEGER NOT NULL DEFAULT 0,
     last_exit TEXT,                -- JSON {code, signal, core, text}
     reason TEXT,
     suspended INTEGER NOT NULL DEFAULT 0,
     owner_uid INTEGER NOT NULL DEFAULT 0,
     created_at REAL NOT NULL,
     removed INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX jobs_live ON jobs(removed, program);
   CREATE TABLE records (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     pid INTEGER NOT NULL, ppid INTEGER, job INTEGER, program TEXT,
     command TEXT NOT NULL, comm TEXT NOT NULL,
     uid INTEGER, gid INTEGER,
     start REAL, end REAL,
     utime REAL, stime REAL, maxrss INTEGER,
     minflt INTEGER, majflt INTEGER, inblock INTEGER, oublock INTEGER, nvcsw INTEGER, nivcsw INTEGER,
     exit_code INTEGER, signal INTEGER, core INTEGER NOT NULL DEFAULT 0,
     flags TEXT NOT NULL DEFAULT '',
     status INTEGER,
     note TEXT
   );
   CREATE INDEX records_job ON records(job);
   CREATE INDEX records_program ON records(program);`,
  // The last STATUS= a job's program sent (sd_notify): programs send it once per change, so a
  // daemon that came back after a kill -9 or an update had lost it for the rest of the run.
  `ALTER TABLE jobs ADD COLUMN status_text TEXT`,
];

/** A module's own migrations, applied in order and tracked by name. */
export interface ModuleSchema {
  name: string;
  migrations?: string[];
}

/** Opens (and migrates) the store at path. WAL with synchronous=NORMAL: a committed
 *  transaction survives a crash of the daemon (not necessarily of the machine). With check,
 *  SQLite's quick_check runs first and a damaged store throws (code SQLITE_CORRUPT). */
export function openDb(path: string, modules: ModuleSchema[] = [], opts: { check?: boolean } = {}): Db {
  const db = new Database(path);
  if (opts.check) {
    try {
      const rows = db.pragma('quick_check') as { quick_check: string }[];
      const bad = rows.map((r) => r.quick_check).filter((t) => t !== 'ok');
      if (bad.length) throw Object.assign(new Error(`quick_check: ${bad.slice(0, 3).join('; ')}`), { code: 'SQLITE_CORRUPT' });
    } catch (err) {
      db.close();
      throw err;
    }
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  db.exec('CREATE TABLE IF NOT EXISTS module_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  for (const m of modules) {
    const row = db.prepare('SELECT version FROM module_versions WHERE name = ?').get(m.name) as { version: number } | undefined;
    const migs = m.migrations ?? [];
    for (let v = row?.version ?? 0; v < migs.length; v++) {
      db.transaction(() => {
        db.exec(migs[v]);
        db.prepare('INSERT INTO module_versions(name, version) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version').run(m.name, v + 1);
      })();
    }
  }
  return db;
}

const cache = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per store: preparing costs more than most queries. */
export function stmt(db: Db, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** Reads a meta value. */
export function getMeta(db: Db, key: string): string | null {
  const row = stmt(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

/** Writes a meta value. */
export function setMeta(db: Db, key: string, value: string): void {
  stmt(db, 'INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
