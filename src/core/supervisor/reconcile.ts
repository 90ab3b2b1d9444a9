// After the daemon (re)connects to its helper: what became of each stored job while nobody
// watched, and the watch on leaders whose helper is gone. Decides only; runtime.ts applies.
import type { ChildEvent, MemberEvent } from '../../os/helper-protocol.js';
import { leaderEnded, type Job } from './job.js';
import type { JobEvent } from './machine.js';

/** What reconnecting found for one job: the reconcile event, and whether its leader ended unseen.
 *  owned: the helper's children of the job; members: live processes of the job's cgroup it does
 *  not own (a dead helper's, now the daemon's as subreaper), born since the job's spawn was asked. */
export function reconcileJob(job: Job, owned: ChildEvent[], members: MemberEvent[], alive: (pid: number, start: number) => boolean): { ev: JobEvent; endedUnseen: boolean; replaced?: number } {
  const leader = owned.find((c) => c.leader);
  const found = !leader && job.pid == null && job.state === 'starting' ? lostLeader(members) : null;
  // Members other than a found leader are left out of `others`, as for any foreign job: the daemon
  // reaps only its own children, and the cgroup still holds them for a stop.
  const others = owned.filter((c) => !c.leader).map((c) => c.pid);
  if (leader) return { ev: { type: 'reconciled', leader: { pid: leader.pid, start: leader.start }, others, leaderAlive: true }, endedUnseen: false };
  if (found) return { ev: { type: 'reconciled', leader: { pid: found.pid, start: found.start, found: true }, others, leaderAlive: true }, endedUnseen: false };
  const leaderAlive = job.pid != null && job.startTicks != null && alive(job.pid, job.startTicks);
  // The leader is gone but its group is not empty, for a job that is to run: the helper that
  // died with it had started it again (a restart ticket; that `respawned` died with the helper),
  // or it left what it started. The process that started first is the job's now, as for a lost
  // spawn: starting another beside it left one more copy per helper death (8 after 6).
  const live = members.filter((m) => m.pid !== job.pid);
  const wanted = job.want === 'up' && (job.state === 'running' || job.state === 'starting') && job.spec.schedule.kind === 'service';
  if (job.pid != null && !leaderAlive && wanted && live.length) {
    const next = lostLeader(live)!;
    return { ev: { type: 'reconciled', leader: { pid: next.pid, start: next.start, found: true }, others, leaderAlive: true }, endedUnseen: false, replaced: job.pid };
  }
  // A job that had ended (exited, fatal, stopped) whose group still holds what it started (a
  // worker it left): those are the job's leftovers, as they were before both the daemon and its
  // helper died. Forgotten, they were in no `status` hint nor `ps`, and `down` left them running.
  const left = leaderEnded(job) ? members.map((m) => m.pid).filter((p) => !others.includes(p)) : [];
  return { ev: { type: 'reconciled', leader: null, others: [...others, ...left], leaderAlive }, endedUnseen: job.pid != null && !leaderAlive };
}

/**
 * The leader among a job's members whose spawn answer was lost: the process the helper forked
 * started first (every other member descends from it), and its parent is outside the group (the
 * dead helper; now the daemon). Start times tick at 10 ms, so ties go to the parent test, then pid.
 */
export function lostLeader(members: readonly MemberEvent[]): MemberEvent | null {
  const inGroup = new Set(members.map((m) => m.pid));
  const parentInGroup = (m: MemberEvent) => (inGroup.has(m.ppid) ? 1 : 0);
  return [...members].sort((a, b) => a.start - b.start || parentInGroup(a) - parentInGroup(b) || a.pid - b.pid)[0] ?? null;
}

/** Polls leaders whose helper is gone (foreign jobs) until each ends; calls `ended` for each (again
 *  at the next poll while it returns false). */
export class ForeignWatch {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly jobs: () => Iterable<Job>, private readonly alive: (pid: number, start: number) => boolean, private readonly ended: (job: Job) => boolean | void,
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
        // false: not taken yet (its kernel record may still be on its way): asked again next time.
        if (this.ended(job) === false) any = true;
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
