// From the helper's words to the machine's: each helper event about a job becomes at most one
// job event (and, for a reaped process, an accounting record). No store, no timers: an exec
// failure reads only the command's #! line.
import { constants } from 'node:os';
import type { ExitEvent, HelperEvent, SpawnedEvent } from '../../os/helper-protocol.js';
import { commandFile, mayExecute, readableBy, scriptInterpreter, shownPath } from '../../os/interpreter.js';
import type { Credentials } from '../../os/access.js';
import { groupsOf } from '../../os/groups.js';
import { lookupUser } from '../../os/proc/index.js';
import { decodeStatus } from '../../os/helper-protocol.js';
import type { Job } from './job.js';
import type { JobEvent } from './machine.js';
import { termination } from './termination.js';

const { ENOENT, EACCES, ENOEXEC } = constants.errno;

/** A failed exec as the daemon tells it (`reason`, in status) and as a shell says it (`said`, with
 *  bash's status: 127 for a file not found, 126 for one found that cannot be run). */
export interface ExecFailure { reason: string; said: string; status: 126 | 127 }

/** Why exec (or a step before it) failed, naming what it failed on. */
export function execErrorText(job: Pick<Job, 'spec'>, r: Pick<SpawnedEvent, 'execErrno' | 'stage' | 'error' | 'path'>): string | null {
  return execFailureOf(job, r)?.reason ?? null;
}

// The user a job runs as, when it is not the daemon's own (null: the daemon reads as itself).
function jobCredentials(user: string | null | undefined): Credentials | null {
  if (user == null) return null;
  const u = lookupUser(user);
  if (!u) return { uid: -1, gids: [] }; // nobody we know: read nothing for them
  if (u.uid === process.geteuid?.()) return null;
  return { uid: u.uid, gids: groupsOf(u.name, u.gid) };
}

/** Why exec (or a step before it) failed, for status and for a shell. Reads the command's #! line
 *  when the file is there: execve's ENOENT or EACCES may be its interpreter's. */
export function execFailureOf(job: Pick<Job, 'spec'>, r: Pick<SpawnedEvent, 'execErrno' | 'stage' | 'error' | 'path'>): ExecFailure | null {
  if (!r.execErrno) return null;
  const p = job.spec;
  const stage = r.stage ?? 'exec';
  const cmd = p.argv[0];
  const error = r.error ?? `errno ${r.execErrno}`;
  if (stage === 'exec') {
    const file = commandFile(cmd, p.cwd, p.env.PATH ?? process.env.PATH);
    // Read as the job's user could: root's daemon told a user the #! line of a file of root's
    // they may not read (`/opt/db-password=hunter2: bad interpreter`).
    const who = jobCredentials(p.user);
    const interp = file && (who == null || readableBy(file, who)) ? scriptInterpreter(file) : null;
    if (r.execErrno === ENOENT) {
      if (interp) {
        const i = shownPath(interp);
        return { reason: `${cmd}: bad interpreter ${i}: ${error}`, said: `${cmd}: ${i}: bad interpreter: ${error}`, status: 127 };
      }
      // There, with no #! line: a program whose loader (ELF interpreter) is missing, as bash says it.
      if (file) return { reason: `${cmd}: cannot execute: required file not found`, said: `${cmd}: cannot execute: required file not found`, status: 127 };
      return { reason: `command not found: ${cmd}`, said: `${cmd}: ${cmd.includes('/') ? 'No such file or directory' : 'command not found'}`, status: 127 };
    }
    // The script may be run but its interpreter may not.
    if (r.execErrno === EACCES && file && interp && mayExecute(file) && !mayExecute(interp)) {
      const i = shownPath(interp);
      return { reason: `${cmd}: bad interpreter ${i}: ${error}`, said: `${cmd}: ${i}: bad interpreter: ${error}`, status: 126 };
    }
    const said = r.execErrno === ENOEXEC ? `${cmd}: cannot execute binary file: ${error}` : `${cmd}: ${error}`;
    return { reason: `exec: ${error} (${r.path || cmd})`, said, status: 126 };
  }
  const target = (t: { kind: string; path?: string }) => (t.path ?? t.kind);
  const what: Record<string, string | null | undefined> = {
    chdir: p.cwd, stdin: target(p.stdin), stdout: target(p.stdout), stderr: target(p.stderr),
    user: p.user, group: p.group, tty: typeof p.tty === 'string' ? p.tty : 'pty',
  };
  const on = r.path || what[stage];
  const reason = `${stage}: ${error}${on ? ` (${on})` : ''}`;
  // Before exec: the child exited 127 (native/supervise.c child_fail).
  return { reason, said: reason, status: 127 };
}

/** True when an exit event is the end of the job's current leader. */
export function isLeaderExit(e: ExitEvent, job: Job | null): boolean {
  return job != null && e.leader === 1 && job.pid === e.pid;
}

/** The job event a helper event means for its job; null when it means nothing to the machine. */
export function jobEventOf(msg: HelperEvent, job: Job, tracked: boolean): JobEvent | null {
  switch (msg.ev) {
    case 'exit': {
      if (!isLeaderExit(msg, job)) return { type: 'reaped', pid: msg.pid };
      const { code, signal, core } = decodeStatus(msg.status);
      return { type: 'exit', term: termination(code, signal, core, msg.oom === 1), ticketUsed: msg.respawned === 1, left: msg.alive ?? 0 };
    }
    case 'respawned':
      return { type: 'respawned', pid: msg.pid, start: msg.start, execError: execErrorText(job, msg), tracked };
    case 'adopted':
      return { type: 'adopted', pid: msg.pid };
    case 'stopped':
      return job.pid === msg.pid ? { type: 'suspended', sig: msg.sig ?? 19 } : null;
    case 'continued':
      return job.pid === msg.pid ? { type: 'continued' } : null;
    case 'opening':
      return { type: 'opening', path: msg.path };
    case 'empty':
      return { type: 'empty' };
    case 'notify':
      return { type: 'notified', ready: msg.ready === 1, status: msg.status ?? null, extendUsec: typeof msg.extend_usec === 'number' ? msg.extend_usec : null };
    case 'spawn-error':
      // A restart the helper tried on its own (a ticket, no request of ours) could not fork.
      return msg.req === '0' ? { type: 'spawnFailed', error: msg.error } : null;
    default:
      return null;
  }
}

/** The job a helper event concerns, by its `job` field. */
export function jobIdOf(msg: HelperEvent): number | null {
  const id = 'job' in msg ? Number(msg.job) : NaN;
  return Number.isInteger(id) && id > 0 ? id : null;
}
