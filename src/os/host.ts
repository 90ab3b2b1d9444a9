// Small facts about this host read from /proc and /etc: boot time, process identity, users.
import { readFileSync } from 'node:fs';

/** Clock ticks per second (USER_HZ); 100 on every Linux x86_64 build. */
export const HZ = 100;

let btime: number | null = null;
/** Boot time in seconds since the epoch (btime in /proc/stat). */
export function bootTime(): number {
  if (btime == null) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    btime = m ? Number(m[1]) : 0;
  }
  return btime;
}

/** Start time of a process in ticks since boot (field 22 of /proc/PID/stat), or null if gone. */
export function startTicks(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // a zombie has ended
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** True when pid still names the process that started at `start` ticks: pids are reused. */
export function isSameProcess(pid: number, start: number): boolean {
  return startTicks(pid) === start;
}

/** Converts a start time in ticks since boot to wall-clock seconds. */
export function ticksToEpoch(ticks: number): number {
  return bootTime() + ticks / HZ;
}

/** A user from /etc/passwd. */
export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Looks a user up by name or numeric id in /etc/passwd; null when unknown. */
export function lookupUser(nameOrId: string | number): UserInfo | null {
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    if (f[0] === String(nameOrId) || f[2] === String(nameOrId)) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
    }
  }
  return null;
}

/** Sends a signal, returning false instead of throwing when the target is gone. */
export function sendSignal(pid: number, sig: number | NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
