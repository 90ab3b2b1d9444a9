// How a daemon ended, as its pid file and /proc tell it: `down` and `logs -f` both ask. A daemon
// that finished its down removed its pid file last; one killed on the way left it naming its pid.
import { readFileSync } from 'node:fs';
import { processState } from '../os/host.js';

/** The pid the daemon's pid file names, or null when there is none (removed: the down finished). */
export function pidInFile(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True when pid is no process any more (a zombie is gone too: its parent may reap it much later). */
export function processGone(pid: number): boolean {
  const st = processState(pid);
  return st == null || st === 'Z' || st === 'X';
}
