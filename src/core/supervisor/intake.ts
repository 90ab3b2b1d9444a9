// From the helper's words to the machine's: each helper event about a job becomes at most one
// job event (and, for a reaped process, an accounting record). Pure: no store, no timers.
import type { ExitEvent, HelperEvent, SpawnedEvent } from '../../os/helper-protocol.js';
import { decodeStatus } from '../../os/helper-protocol.js';
import type { Job } from './job.js';
import type { JobEvent } from './machine.js';
import { termination } from './termination.js';

/** Why exec (or a step before it) failed, naming what it failed on. */
export function execErrorText(job: Pick<Job, 'spec'>, r: Pick<SpawnedEvent, 'execErrno' | 'stage' | 'error' | 'path'>): string | null {
  if (!r.execErrno) return null;
  const p = job.spec;
  const stage = r.stage ?? 'exec';
  if (stage === 'exec' && r.execErrno === 2) return `command not found: ${p.argv[0]}`;
  const target = (t: { kind: string; path?: string }) => (t.path ?? t.kind);
  const what: Record<string, string | null | undefined> = {
    exec: p.argv[0], chdir: p.cwd, stdin: target(p.stdin), stdout: target(p.stdout), stderr: target(p.stderr),
    user: p.user, group: p.group, tty: typeof p.tty === 'string' ? p.tty : 'pty',
  };
  const on = r.path || what[stage];
  return `${stage}: ${r.error ?? `errno ${r.execErrno}`}${on ? ` (${on})` : ''}`;
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
