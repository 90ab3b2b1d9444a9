// Zombies and the parents that have not reaped them: the parent is the one to fix (or kill).
import type { ProcInfo } from '../../os/proc/types.js';

/** A zombie and the parent that has not waited for it. */
export interface ZombieReport {
  pid: number;
  comm: string;
  startTime: number;
  parent: { pid: number; comm: string } | null;
}

/** Lists zombies (state Z) with their parent's pid and name (null if the parent is not in `procs`). */
export function findZombies(procs: readonly ProcInfo[]): ZombieReport[] {
  const byPid = new Map<number, ProcInfo>();
  for (const p of procs) byPid.set(p.pid, p);
  const out: ZombieReport[] = [];
  for (const p of procs) {
    if (p.state !== 'Z') continue;
    const parent = byPid.get(p.ppid);
    out.push({ pid: p.pid, comm: p.comm, startTime: p.startTime, parent: parent ? { pid: parent.pid, comm: parent.comm } : null });
  }
  return out;
}
