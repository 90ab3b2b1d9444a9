// After the daemon (re)connects to its helper: what became of each stored job while nobody
// watched, and the watch on leaders whose helper is gone. Decides only; runtime.ts applies.
import type { ChildEvent } from '../../os/helper-protocol.js';
import type { Job } from './job.js';
import type { JobEvent } from './machine.js';

/** What reconnecting found for one job: the reconcile event, and whether its leader ended unseen. */
export function reconcileJob(job: Job, owned: ChildEvent[], alive: (pid: number, start: number) => boolean): { ev: JobEvent; endedUnseen: boolean } {
  const others = owned.filter((c) => !c.leader).map((c) => c.pid);
  const leader = owned.find((c) => c.leader);
  if (leader) return { ev: { type: 'reconciled', leader: { pid: leader.pid, start: leader.start }, others, leaderAlive: true }, endedUnseen: false };
  const leaderAlive = job.pid != null && job.startTicks != null && alive(job.pid, job.startTicks);
  return { ev: { type: 'reconciled', leader: null, others, leaderAlive }, endedUnseen: job.pid != null && !leaderAlive };
}

/** Polls leaders whose helper is gone (foreign jobs) until each ends; calls `ended` for each. */
export class ForeignWatch {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly jobs: () => Iterable<Job>, private readonly alive: (pid: number, start: number) => boolean, private readonly ended: (job: Job) => void,
    private readonly tick: (job: Job) => void = () => {}) {}

  /** Starts polling if any job is foreign (idempotent). */
  watch(everyMs = 250): void {
    if (this.timer || ![...this.jobs()].some((j) => j.foreign)) return;
    this.timer = setInterval(() => {
      let any = false;
      for (const job of this.jobs()) {
        if (!job.foreign || job.pid == null) continue;
        this.tick(job);
        if (job.startTicks != null && this.alive(job.pid, job.startTicks)) { any = true; continue; }
        this.ended(job);
      }
      if (!any) this.stop();
    }, everyMs);
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
