// A pid alone is not an identity: pids are reused. pid + start time (stat field 22) is.
import { readText } from './read-file.js';
import { parseStat } from './parse-process.js';

/** A process as the product names it: pid and start time in ticks since boot. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** Returns the identity of a live pid, or null if there is no such process. */
export function processIdentity(pid: number): ProcessIdentity | null {
  const text = readText(`/proc/${pid}/stat`);
  const st = text === null ? null : parseStat(text);
  return st === null ? null : { pid, startTime: st.startTime };
}

/** True if the pid still names the very process the identity was taken from. */
export function isSameProcess(id: ProcessIdentity): boolean {
  const now = processIdentity(id.pid);
  return now !== null && now.startTime === id.startTime;
}
