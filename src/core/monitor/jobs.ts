// Which processes belong to which job: the leader, the orphans the helper adopted for it, and
// every descendant of either found by walking ppid. Pure: the caller reads /proc.
import type { ProcInfo } from '../../os/proc/types.js';

/** What the monitor needs to know of a job to find its processes. */
export interface JobRef {
  /** Job number, shown `%N`. */
  job: number;
  /** Program name (or the ad-hoc command's name). */
  name: string;
  leader: number | null;
  /** Start time of the leader in ticks since boot: a pid with another start time is not the leader (pids are reused). */
  leaderStart: number | null;
  /** Orphaned descendants the helper adopted for the job (their parent is now the helper). */
  adopted: number[];
}

function leaderAlive(j: JobRef, byPid: ReadonlyMap<number, ProcInfo>): boolean {
  if (j.leader == null) return false;
  const p = byPid.get(j.leader);
  return p !== undefined && (j.leaderStart == null || p.startTime === j.leaderStart);
}

/**
 * The orphans of each job: those the helper adopted, and children of the helper in a live
 * leader's session that it has not adopted yet (it looks for them when it next reaps).
 */
function orphansOf(j: JobRef, byPid: ReadonlyMap<number, ProcInfo>, helperChildren: readonly ProcInfo[]): ProcInfo[] {
  const out = j.adopted.map((a) => byPid.get(a)).filter((p): p is ProcInfo => p !== undefined);
  if (leaderAlive(j, byPid)) {
    for (const c of helperChildren) if (c.sid === j.leader && c.pid !== j.leader && !j.adopted.includes(c.pid)) out.push(c);
  }
  return out;
}

function helperChildrenOf(procs: readonly ProcInfo[], helperPid: number | undefined): ProcInfo[] {
  return helperPid === undefined || helperPid <= 0 ? [] : procs.filter((p) => p.ppid === helperPid);
}

/** Maps pid -> job number for every process of the given jobs that is in `procs` (helperPid finds orphans not adopted yet). */
export function attributeProcesses(procs: readonly ProcInfo[], jobs: readonly JobRef[], helperPid?: number): Map<number, number> {
  const byPid = new Map<number, ProcInfo>();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    byPid.set(p.pid, p);
    if (p.ppid === p.pid) continue;
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const owner = new Map<number, number>();
  const helperChildren = helperChildrenOf(procs, helperPid);
  for (const j of jobs) {
    const roots: number[] = [];
    if (leaderAlive(j, byPid)) roots.push(j.leader as number);
    for (const o of orphansOf(j, byPid, helperChildren)) roots.push(o.pid);
    const stack = roots.filter((pid) => !owner.has(pid));
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      if (owner.has(pid)) continue;
      owner.set(pid, j.job);
      for (const c of children.get(pid) ?? []) if (!owner.has(c)) stack.push(c);
    }
  }
  return owner;
}

/** The processes of the jobs, ascending by pid, with their owners. */
export function jobProcesses(procs: readonly ProcInfo[], jobs: readonly JobRef[], helperPid?: number): { procs: ProcInfo[]; owner: Map<number, number> } {
  const owner = attributeProcesses(procs, jobs, helperPid);
  return { procs: procs.filter((p) => owner.has(p.pid)), owner };
}

/** The mark pstree shows for an adopted orphan drawn under its job. */
export const ADOPTED_MARK = 'adopted';

/**
 * Rearranges processes so that pstree draws every adopted orphan under the job that owned it:
 * the helper is their real parent, so each is moved under its job's leader, or, when the leader
 * has ended, under a node standing for the job (pid -N, named after the program, child of the
 * helper). Leaders and job nodes are marked `%N`, moved orphans `adopted`. Returns new objects;
 * `procs` is not changed.
 */
export function jobForest(procs: readonly ProcInfo[], jobs: readonly JobRef[], helperPid: number): { procs: ProcInfo[]; marks: Map<number, string>; roots: Map<number, number> } {
  const byPid = new Map<number, ProcInfo>();
  for (const p of procs) byPid.set(p.pid, p);
  const out = new Map<number, ProcInfo>();
  for (const p of procs) out.set(p.pid, p);
  const marks = new Map<number, string>();
  // job number -> the pid its tree is drawn from (the leader or the stand-in node)
  const roots = new Map<number, number>();
  const helperChildren = helperChildrenOf(procs, helperPid);
  for (const j of jobs) {
    const alive = leaderAlive(j, byPid);
    const orphans = orphansOf(j, byPid, helperChildren);
    let root: number | null = null;
    if (alive) {
      root = j.leader as number;
      marks.set(root, `%${j.job}`);
    } else if (orphans.length > 0) {
      root = -j.job;
      const first = orphans[0] as ProcInfo;
      out.set(root, { ...first, pid: root, ppid: helperPid, comm: j.name, cmdline: [j.name], numThreads: 1, state: 'S', threads: undefined });
      marks.set(root, `%${j.job}`);
    }
    if (root === null) continue;
    roots.set(j.job, root);
    for (const o of orphans) {
      // Only an orphan whose parent is outside the job (the helper, or init) is moved.
      if (o.ppid === root || (o.ppid !== helperPid && o.ppid !== 1 && o.ppid !== 0)) continue;
      out.set(o.pid, { ...o, ppid: root });
      marks.set(o.pid, ADOPTED_MARK);
    }
  }
  return { procs: [...out.values()].sort((a, b) => a.pid - b.pid), marks, roots };
}
