// Ends a job's current process as a failure so that its restart policy decides what follows
// (backoff, crash-loop limit, `never`), with the reason kept on the job. Built on the
// supervisor's public surface only: its stop signal to the job's process group, KILL after
// stop.timeout if the same leader is still there, and the reason set once the machine has
// taken the exit. (A `Supervisor.fail(job, reason)` signalling the whole job would replace it.)
import type { Job, JobChange, Supervisor } from '../supervisor/runtime.js';
import type { Db } from '../../store/db.js';
import { saveJob } from '../../store/jobs.js';

interface Pending {
  pid: number;
  reason: string;
  timer: NodeJS.Timeout;
}

/** Restarts jobs by their policy for a reason (unhealthy, over maxMemory). */
export class PolicyRestarter {
  private pending = new Map<Job, Pending>();
  private readonly onChange = (c: JobChange) => this.changed(c);

  constructor(private readonly sup: Supervisor, private readonly db: Db, private readonly log: (line: string) => void) {
    sup.on('change', this.onChange);
  }

  /** True while a restart for a reason is on its way for this job's current process. */
  isPending(job: Job): boolean {
    return this.pending.get(job)?.pid === job.pid;
  }

  /** Ends the job's current process as a failure; false when it has none or one is on its way. */
  fail(job: Job, reason: string): boolean {
    const pid = job.pid;
    if (pid == null || (job.state !== 'running' && job.state !== 'starting') || this.isPending(job)) return false;
    const sig = job.spec.stopSignal;
    this.log(`${job.spec.name} %${job.number}: ${reason}; sending ${sig} (restart: ${job.spec.restart})`);
    const timer = setTimeout(() => {
      if (job.pid !== pid) return;
      this.log(`${job.spec.name} %${job.number}: still running ${job.spec.stopTimeout} ms after ${sig}; sending SIGKILL`);
      this.sup.signal([job], 'SIGKILL');
    }, job.spec.stopTimeout);
    this.pending.set(job, { pid, reason, timer });
    this.sup.signal([job], sig);
    return true;
  }

  private changed(c: JobChange): void {
    const p = this.pending.get(c.job);
    if (!p || c.job.pid === p.pid) return;
    clearTimeout(p.timer);
    this.pending.delete(c.job);
    // A stop asked for meanwhile wins: the job is not restarting for our reason.
    if (c.to === 'stopping' || c.to === 'stopped') return;
    c.job.reason = c.job.reason ? `${p.reason}; ${c.job.reason}` : p.reason;
    saveJob(this.db, c.job);
    // A program that shuts down cleanly on its stop signal ends with a success code, which
    // `on-failure` would not restart; it was ended for a failure, so it is started again.
    const job = c.job;
    if (c.to === 'exited' && job.spec.restart === 'on-failure' && job.spec.schedule.kind === 'service') {
      setImmediate(() => {
        if (job.state !== 'exited' || this.sup.jobs.get(job.id) !== job) return;
        this.log(`${job.spec.name} %${job.number}: ended cleanly after being stopped for a failure; starting it again`);
        this.sup.start([job]);
        job.reason = p.reason;
      });
    }
  }

  /** Forgets pending restarts (the daemon is stopping). */
  stop(): void {
    this.sup.off('change', this.onChange);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
