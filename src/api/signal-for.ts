// Signals the daemon sends on a caller's request (kill %N, kill PID, pkill, signal), held to
// kill(2)'s rule for that caller: the daemon is root, and a job of a user's may hold a process
// that became root (su, passwd, sudo). The kernel would not let the user stop it; neither may
// the daemon on the user's behalf. Stopping a whole job (stop, down, restart) is not this: the
// daemon ends what it started.
import type { Job } from '../core/supervisor/runtime.js';
import { mayKill, sendSignal } from '../os/host.js';
import { readAllProcesses } from '../os/proc/index.js';
import type { ApiContext } from './routes.js';

/** What kill(2) says when no target was one the sender may signal. */
export const NOT_PERMITTED = 'Operation not permitted';

/**
 * Sends `sig` to a job's process group (its leader's, as the job-control signal does) for the
 * caller `uid`, as kill(2) on a group would for that sender: every member it may signal gets it,
 * the others are skipped. 'denied' when every member left is one the caller may not signal,
 * 'gone' when nothing of the group is left.
 * When the caller may signal the whole group, the group is signalled at once as before (a fork
 * racing the signal is reached); only a group with a member the caller may not signal is
 * signalled process by process.
 */
export function signalJobFor(ctx: ApiContext, uid: number, job: Job, sig: { name: string; number: number }): 'sent' | 'denied' | 'gone' {
  if (job.pid == null) return 'gone';
  // Root, or a daemon that is not root (the kernel holds it to its own rights, the caller's):
  // the group at once, without a walk over /proc.
  if (uid === 0 || process.geteuid?.() !== 0) {
    if (sig.number === 0) return sendSignal(job.pid, 0) ? 'sent' : 'gone';
    ctx.sup.signal([job], sig.name);
    return 'sent';
  }
  const pgid = job.pid;
  const members = readAllProcesses({ cmdline: false, wchan: false }).filter((p) => p.pgid === pgid || p.pid === pgid).map((p) => p.pid);
  const allowed = members.filter((pid) => mayKill(pid, uid));
  if (sig.number !== 0 && allowed.length === members.length) {
    ctx.sup.signal([job], sig.name);
    return 'sent';
  }
  let sent = false;
  for (const pid of allowed) if (sendSignal(pid, sig.number)) sent = true;
  if (sent) return 'sent';
  return members.length > allowed.length ? 'denied' : 'gone';
}
