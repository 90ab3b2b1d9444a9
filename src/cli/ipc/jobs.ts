// Which job a pid belongs to: the job whose process it is, or whose process group or session it
// runs in, or whose process is an ancestor (a job's children and grandchildren count as the job).
import type { JobView } from '../../api/views.js';
import { readProcess } from '../../os/proc/index.js';

/** A finder from pid to the job's label ("name" or "name#job" for more than one instance). */
export function jobFinder(jobs: readonly JobView[]): (pid: number) => string | null {
  const byPid = new Map<number, string>();
  const count = new Map<string, number>();
  for (const j of jobs) count.set(j.name, (count.get(j.name) ?? 0) + 1);
  for (const j of jobs) if (j.pid != null) byPid.set(j.pid, (count.get(j.name) ?? 0) > 1 ? `${j.name}#${j.job}` : j.name);
  const memo = new Map<number, string | null>();
  return (pid: number) => {
    if (pid <= 0) return null;
    if (memo.has(pid)) return memo.get(pid)!;
    let found: string | null = null;
    for (let p = pid, hops = 0; p > 1 && hops < 64 && found == null; hops++) {
      found = byPid.get(p) ?? null;
      if (found) break;
      const info = readProcess(p);
      if (!info) break; // the process is gone: its pid says nothing any more
      found = byPid.get(info.pgid) ?? byPid.get(info.sid) ?? null;
      p = info.ppid;
    }
    memo.set(pid, found);
    return found;
  };
}
