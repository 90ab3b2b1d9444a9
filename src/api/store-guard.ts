// Keeps the daemon up when the store cannot be written (a full disk): jobs keep running and
// their state is kept in memory; `info` and `status` say what is degraded; when a probe write
// succeeds again every live job is written back and the problem is cleared.
import type { Supervisor } from '../core/supervisor/runtime.js';
import { setMeta, type Db } from '../store/db.js';
import { saveJob } from '../store/jobs.js';
import { isDiskFull, type Health } from './health.js';

const PROBE_MS = Number(process.env.APPINIT_DISK_PROBE_MS ?? 1000);

/** Watches for store writes failing for lack of space, and recovers from them. */
export class StoreGuard {
  private probe: NodeJS.Timeout | null = null;
  private sup: Supervisor | null = null;

  constructor(private readonly db: Db, private readonly health: Health, private readonly note: (m: string) => void) {}

  /** Handles an error from a store write: true when it was a full disk (now degraded). */
  failed(err: unknown): boolean {
    if (!isDiskFull(err)) return false;
    if (this.health.set('disk', `the disk is full: state changes are kept in memory and written back when space returns; managed logs may lose lines (${(err as Error).message})`)) {
      this.note(`disk full: ${(err as Error).message}; running degraded (state kept in memory) until space returns`);
    }
    this.probe ??= setInterval(() => this.tryRecover(), PROBE_MS);
    return true;
  }

  private tryRecover(): void {
    try {
      this.db.transaction(() => {
        setMeta(this.db, 'disk_probe', String(Date.now()));
        if (this.sup) for (const j of this.sup.jobs.values()) saveJob(this.db, j);
      })();
    } catch (err) {
      if (!isDiskFull(err)) this.note(`store write still failing: ${(err as Error).message}`);
      return;
    }
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    if (this.health.clear('disk')) this.note('disk space is back: every job\'s state was written to the store again');
  }

  /** Listens for the supervisor's errors (a failed transaction in an event handler). */
  watch(sup: Supervisor): void {
    this.sup = sup;
    sup.on('error', (err: unknown) => {
      if (!this.failed(err)) this.note(`supervisor: ${(err as Error).message ?? String(err)}`);
    });
  }

  /** Stops probing. */
  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }
}
