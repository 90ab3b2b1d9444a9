// A job's whole process tree from its known pids, through /proc/PID/task/TID/children
// (what each thread forked and has not been reparented away), never a scan of all of /proc.
import { readdirSync } from 'node:fs';
import { readText } from './read-file.js';

/** The pids and every live descendant of them, each once, parents before children. */
export function withDescendants(pids: Iterable<number>): number[] {
  const seen = new Set<number>();
  const queue = [...pids];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      const text = readText(`/proc/${pid}/task/${tid}/children`);
      if (!text) continue;
      for (const c of text.split(' ')) if (c.trim() !== '') queue.push(Number(c));
    }
  }
  return [...seen];
}
