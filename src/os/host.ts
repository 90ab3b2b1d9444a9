// Small facts about this host the supervisor needs: boot time, process identity, signals.
// Parsing /proc and /etc is os/proc's; this file only puts it to the supervisor's use.
import { readCpuStat } from './proc/index.js';
import { parseStat } from './proc/parse-process.js';
import { readText } from './proc/read-file.js';

/** Clock ticks per second (USER_HZ); 100 on every Linux x86_64 build. */
export const HZ = 100;

let btime: number | null = null;
/** Boot time in seconds since the epoch, to the tick: now minus /proc/uptime. (btime in
 *  /proc/stat is whole seconds, which made every start time up to a second early.) */
export function bootTime(): number {
  if (btime == null) {
    const up = Number((readText('/proc/uptime') ?? '').split(' ')[0]);
    btime = Number.isFinite(up) && up > 0 ? Date.now() / 1000 - up : readCpuStat().btime;
  }
  return btime;
}

/** How long ago (ms) a process started, from its start time in ticks since boot. */
export function ageOfTicks(ticks: number): number {
  const up = Number((readText('/proc/uptime') ?? '').split(' ')[0]);
  return Number.isFinite(up) ? Math.max(0, up * 1000 - (ticks * 1000) / HZ) : 0;
}

/** The state letter of a live process (R, S, D, T, Z, ...), or null when it is gone. */
export function processState(pid: number): string | null {
  const text = readText(`/proc/${pid}/stat`);
  const st = text === null ? null : parseStat(text);
  return st === null ? null : st.state;
}

/** Start time of a process in ticks since boot (field 22 of /proc/PID/stat); null if gone or a zombie. */
export function startTicks(pid: number): number | null {
  const text = readText(`/proc/${pid}/stat`);
  const st = text === null ? null : parseStat(text);
  return st === null || st.state === 'Z' ? null : st.startTime;
}

/** True when pid is a zombie child of this process (ours to reap with wait4). */
export function isOwnZombie(pid: number): boolean {
  const text = readText(`/proc/${pid}/stat`);
  const st = text === null ? null : parseStat(text);
  return st !== null && st.state === 'Z' && st.ppid === process.pid;
}

/** True when pid still names the process that started at `start` ticks: pids are reused. */
export function isSameProcess(pid: number, start: number): boolean {
  return startTicks(pid) === start;
}

/** Converts a start time in ticks since boot to wall-clock seconds. */
export function ticksToEpoch(ticks: number): number {
  return bootTime() + ticks / HZ;
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

/** kill(2)'s permission for a sender with uid `uid` and no privilege: root may signal anything;
 *  anyone else only a process whose real or saved set-user-ID is theirs. The target's effective
 *  uid does not count: a setuid-root program (su, passwd) keeps the user's real uid but is not the
 *  user's to stop, and a root process that took the user's euid for a moment is not either. The
 *  daemon signals as root for its callers, so it must apply this rule itself. False for a process
 *  that is gone. */
export function mayKill(pid: number, uid: number): boolean {
  if (uid === 0) return true;
  // Uid: real, effective, saved, filesystem.
  const line = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return line != null && (Number(line[1]) === uid || Number(line[3]) === uid);
}
