// Runs each job's health check while the job runs: one probe at a time (the next is
// scheduled `every` ms after the previous one ended, so probes never overlap), each bounded
// by its timeout. `failures` consecutive failures make the job unhealthy and restart it by
// its policy; with `restart: never` it keeps running, shown unhealthy, until a probe passes.
import type { Job, JobChange, Supervisor } from '../supervisor/runtime.js';
import { probe, type ProbeResult } from './probe.js';
import { jobEnvironment } from '../supervisor/spawn-request.js';
import { lookupUser } from '../../os/proc/index.js';
import type { PolicyRestarter } from './restart.js';
import { setHealth, healthOf } from './state.js';
import { initialHealth, recordProbe } from './tracker.js';

interface Loop {
  pid: number;
  timer: NodeJS.Timeout | null;
  /** Cleared when the loop ends, so a probe in flight does not report into a newer loop. */
  live: boolean;
}

/** The health checker of a daemon. */
export class HealthService {
  private loops = new Map<Job, Loop>();
  private readonly onChange = (c: JobChange) => this.sync(c.job);

  constructor(
    private readonly sup: Supervisor,
    private readonly restarter: PolicyRestarter,
    private readonly log: (line: string) => void,
    private readonly run: typeof probe = probe,
  ) {
    sup.on('change', this.onChange);
    for (const j of sup.jobs.values()) this.sync(j);
  }

  // Checks run only while the job runs: from `running` (it survived `ready`) until it leaves it.
  private sync(job: Job): void {
    const check = job.spec.health;
    const loop = this.loops.get(job);
    const wanted = check != null && job.pid != null && job.state === 'running' && this.sup.jobs.get(job.id) === job;
    if (loop && (!wanted || loop.pid !== job.pid)) this.end(job, loop);
    // Status shows a stopping job's last verdict; a job that is not running has none.
    if (!wanted && job.state !== 'stopping') setHealth(job, null);
    if (wanted && !this.loops.has(job)) {
      const l: Loop = { pid: job.pid!, timer: null, live: true };
      this.loops.set(job, l);
      setHealth(job, initialHealth());
      this.next(job, l, 0);
    }
  }

  private next(job: Job, l: Loop, delay: number): void {
    l.timer = setTimeout(() => {
      l.timer = null;
      void this.once(job, l);
    }, delay);
  }

  private async once(job: Job, l: Loop): Promise<void> {
    const check = job.spec.health!;
    // A job a person suspended (Ctrl-Z, SIGSTOP) cannot answer; that is not a failure.
    if (job.suspended) return this.next(job, l, check.every);
    // An exec check runs as the program's user, with the environment its job gets (a user's
    // control file must not run commands as the daemon's root, nor see the daemon's environment).
    const env = job.spec.envMode === 'replace' && job.spec.user == null ? { ...job.spec.env } : jobEnvironment(job.spec, { logsDir: '', env: process.env });
    const u = job.spec.user != null && (process.getuid?.() ?? 0) === 0 ? lookupUser(job.spec.user) : null;
    let r: ProbeResult;
    try {
      r = await this.run(check, { cwd: job.spec.cwd, env, ...(u && u.uid !== 0 ? { uid: u.uid, gid: u.gid } : {}) });
    } catch (err) {
      r = { ok: false, detail: (err as Error).message };
    }
    if (!l.live) return;
    const { health, became } = recordProbe(healthOf(job) ?? initialHealth(), r.ok, r.detail, check.failures, Date.now());
    setHealth(job, health);
    const who = `${job.spec.name} %${job.number}`;
    if (became === 'healthy') this.log(`${who}: healthy (${r.detail})`);
    if (became === 'unhealthy' || (health.status === 'unhealthy' && !this.restarter.isPending(job))) {
      const reason = `unhealthy: ${health.failures} health checks failed in a row, the last: ${r.detail}`;
      if (job.spec.restart === 'never') {
        if (became) this.log(`${who}: ${reason} (restart: never, so it keeps running)`);
      } else {
        this.restarter.fail(job, reason);
      }
    }
    this.next(job, l, check.every);
  }

  private end(job: Job, l: Loop): void {
    l.live = false;
    if (l.timer) clearTimeout(l.timer);
    this.loops.delete(job);
  }

  /** Stops every check. */
  stop(): void {
    this.sup.off('change', this.onChange);
    for (const [job, l] of this.loops) this.end(job, l);
  }
}
