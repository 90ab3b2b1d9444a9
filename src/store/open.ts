// Opening the daemon's store the careful way: refuse a damaged one (saying how to recover from
// the verified backup), and never start a new empty store over jobs of a lost one.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { backupPath, backupTime } from './backup.js';
import { openDb, type Db, type ModuleSchema } from './db.js';
import { mainFileProblem, StoreCorrupt, walProblem } from './integrity.js';

/** The helper of a home, if it is alive and still has children (jobs of some store). */
export function orphanedJobs(supervisePidFile: string): { helper: number; children: number[] } | null {
  let pid: number;
  try {
    pid = Number(readFileSync(supervisePidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let comm = '';
  try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return null; }
  if (!comm.startsWith('appinit-superv')) return null;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { /* no children file: treat as none */ }
  return children.length ? { helper: pid, children } : null;
}

function recovery(dbPath: string): string {
  const home = dirname(dbPath);
  const at = backupTime(dbPath);
  if (at == null) {
    return `No backup of it exists. To start afresh (the at queue, crontabs and records are lost):\n` +
      `  mv ${dbPath} ${dbPath}.damaged; rm -f ${dbPath}-wal ${dbPath}-shm`;
  }
  return `The last verified backup is ${backupPath(dbPath)} (taken ${new Date(at).toISOString()}). To recover from it (the damaged files are kept as *.damaged):\n` +
    `  cd ${home} && mv state.db state.db.damaged; mv state.db-wal state.db-wal.damaged 2>/dev/null; rm -f state.db-shm; cp state.db.backup state.db`;
}

function refuse(dbPath: string, what: string, helperPid: string): never {
  const live = orphanedJobs(helperPid);
  const at = backupTime(dbPath);
  const jobs = live ? `\nJobs of it still run under the supervise helper (pid ${live.helper}): pids ${live.children.join(' ')}; the daemon adopts again those the restored store knows${at != null ? `, and ends the others (started after the backup of ${new Date(at).toISOString()}: SIGTERM, then SIGKILL 10 s later)` : ''}.` : '';
  throw new StoreCorrupt(`the store is damaged: ${what}. The daemon did not start and changed nothing.${jobs}\n${recovery(dbPath)}`);
}

/**
 * Opens and migrates the daemon's store after checking it is whole: the file's header and size,
 * the WAL's header and first frame, then SQLite's quick_check. Throws StoreCorrupt with the way
 * to recover. A new store is refused while a backup exists (the store was lost, not never made)
 * or while the home's supervise helper still runs jobs (of the lost store).
 */
export function openStore(dbPath: string, modules: ModuleSchema[], supervisePidFile: string): { db: Db; created: boolean } {
  const existed = existsSync(dbPath) && statSync(dbPath).size > 0;
  if (!existed) {
    if (backupTime(dbPath) != null) refuse(dbPath, `${dbPath} is ${existsSync(dbPath) ? 'empty' : 'missing'} but a backup of it exists`, supervisePidFile);
    const live = orphanedJobs(supervisePidFile);
    if (live) {
      throw new StoreCorrupt(`${dbPath} is ${existsSync(dbPath) ? 'empty' : 'missing'}, but the supervise helper (pid ${live.helper}) still runs jobs of a previous store (pids ${live.children.join(' ')}): refusing to start an empty store over them. Restore the store, or stop them (kill -TERM -- -PID for each) and start again.`);
    }
  }
  const bad = mainFileProblem(dbPath) ?? walProblem(`${dbPath}-wal`, dbPath);
  if (bad) refuse(dbPath, bad, supervisePidFile);
  let db: Db;
  try {
    db = openDb(dbPath, modules, { check: existed });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code) || err instanceof StoreCorrupt) refuse(dbPath, (err as Error).message, supervisePidFile);
    // SQLite names no file and no cause: say which and what to do.
    if (/^SQLITE_(READONLY|CANTOPEN|PERM|IOERR)/.test(code) || (err as NodeJS.ErrnoException).code === 'EACCES') {
      throw new Error(`cannot open the store ${dbPath} for writing (${(err as Error).message}): the daemon's user (uid ${process.getuid?.() ?? '?'}) must be able to write it, its -wal and -shm files and their directory (ls -l ${dirname(dbPath)}; a read-only file system cannot hold it)`, { cause: err });
    }
    throw err;
  }
  return { db, created: !existed };
}
