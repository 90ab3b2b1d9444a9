// A verified copy of the store, taken with SQLite's online backup API (consistent while the
// daemon keeps writing): at a bounded interval when something changed, and at clean shutdown.
// A copy is only kept once it passed quick_check, and replaces the previous one atomically.
import Database from 'better-sqlite3';
import { existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import type { Db } from './db.js';

/** Where the backup of a store lives. */
export function backupPath(dbPath: string): string {
  return `${dbPath}.backup`;
}

/** When the backup was taken (ms), or null when there is none. */
export function backupTime(dbPath: string): number | null {
  try {
    return statSync(backupPath(dbPath)).mtimeMs;
  } catch {
    return null;
  }
}

/** Checks a store file with quick_check (every page and b-tree, not index contents); returns null when whole, else what SQLite said.
 *  With plain, the copy is also switched to a rollback journal: one self-contained file. */
export function verifyStoreFile(path: string, plain = false): string | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: !plain, fileMustExist: true });
    if (plain) db.pragma('journal_mode = DELETE');
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const bad = rows.map((r) => r.quick_check).filter((t) => t !== 'ok');
    return bad.length ? bad.slice(0, 3).join('; ') : null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

/** verifyStoreFile in a worker thread, so that the daemon keeps answering meanwhile. */
export async function verifyInWorker(path: string, plain: boolean): Promise<string | null> {
  // Loaded when a backup is verified, not with every daemon (and every command that opens a store).
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve) => {
    const w = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: { path, plain } });
    w.once('message', (m: string | null) => resolve(m));
    w.once('error', (err: Error) => resolve(err.message));
    w.once('exit', (code) => { if (code !== 0) resolve(`the verifier exited with ${code}`); });
  });
}

// A copy this small is checked on the daemon's thread: quick_check of a 3 MB store takes 14-20 ms
// there, while starting a worker thread to do it costs 110-130 ms of CPU (a new V8 isolate and
// better-sqlite3 loaded again), which was most of the daemon's CPU after an `up` and of `down`.
// A larger store is checked in a worker, so that the daemon keeps answering meanwhile.
const VERIFY_INLINE_BYTES = 4 * 1024 * 1024;

/** Backs the store up to its backup path, verified; throws (leaving the old backup) on failure. */
export async function backupStore(db: Db, dbPath: string): Promise<void> {
  const dest = backupPath(dbPath);
  const tmp = `${dest}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) try { unlinkSync(f); } catch { /* none */ }
  try {
    await db.backup(tmp);
    const bad = statSync(tmp).size <= VERIFY_INLINE_BYTES ? verifyStoreFile(tmp, true) : await verifyInWorker(tmp, true);
    if (bad) throw new Error(`the backup did not verify: ${bad}`);
    renameSync(tmp, dest);
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) if (existsSync(f)) try { unlinkSync(f); } catch { /* gone */ }
  }
}

/** Keeps backups: one now when none is recent, then one per interval when the store changed. */
export class BackupKeeper {
  private timer: NodeJS.Timeout | null = null;
  private lastChanges = -1;
  private running: Promise<void> | null = null;
  /** The last failure, for `info` (null after a success). */
  lastError: string | null = null;
  /** When the last verified backup was taken (ms). */
  lastAt: number | null;

  /** `ignored` says how many of the connection's changes do not call for a backup (sample rows). */
  constructor(private readonly db: Db, private readonly dbPath: string, private readonly intervalMs: number, private readonly onError: (msg: string) => void,
    private readonly ignored: () => number = () => 0) {
    this.lastAt = backupTime(dbPath);
  }

  // total_changes counts this connection's writes: the daemon is the store's only writer.
  private changes(): number {
    return (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n - this.ignored();
  }

  /** Takes a backup now (unless one is under way, then waits for it). */
  backupNow(): Promise<void> {
    this.running ??= (async () => {
      const n = this.changes();
      try {
        await backupStore(this.db, this.dbPath);
        this.lastChanges = n;
        this.lastAt = Date.now();
        this.lastError = null;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.onError(`backup of ${this.dbPath} failed: ${this.lastError}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Starts the interval (and a first backup when the last one is older than the interval). */
  start(): void {
    if (this.intervalMs <= 0) return;
    if (this.lastAt == null || Date.now() - this.lastAt > this.intervalMs) void this.backupNow();
    else this.lastChanges = this.changes();
    this.timer = setInterval(() => {
      if (this.changes() !== this.lastChanges) void this.backupNow();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the interval and takes a last backup when something changed (clean shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
    if (this.intervalMs > 0 && this.changes() !== this.lastChanges) await this.backupNow();
  }
}
