// Open descriptors of a process: the entries of /proc/PID/fd (readable for our own processes,
// or every process when the daemon is root).
import { readdirSync } from 'node:fs';

/** How many descriptors a process has open, or null when it cannot be read (ended, not ours). */
export function countOpenFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
