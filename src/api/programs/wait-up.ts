// `appinit up --wait`: after the file is applied, the jobs of its programs the daemon wants up are followed
// until each has come up (running: with `ready:`, ready), or has ended well before anyone looked
// (a one-shot whose exit code is a success), or has failed (ended otherwise, backing off, given up
// on, stopped by someone meanwhile), or the time is up. As `docker compose up --wait` and
// `systemctl start` (which waits for the unit to be started, 90 s by default): a script that
// runs `appinit up --wait && curl ...` knows the programs run. The jobs are followed by the
// supervisor's change events, not polled: a wait costs nothing while nothing changes.
import { isSuccess } from '../../core/supervisor/policy.js';
import { startTimeout, type Job, type JobChange } from '../../core/supervisor/job.js';
import { FAILED_DEPENDENCY, type Supervisor } from '../../core/supervisor/runtime.js';

/** One job that did not come up: what it came to. */
export interface WaitProblem {
  name: string;
  job: number;
  /** The job's state, or `removed` when it was forgotten meanwhile. */
  state: string;
  /** How it ended (`exit(3)`, `signal 11 (SEGV)`) and what follows, or why it is where it is. */
  why: string | null;
}

/** What `up --wait` saw. */
export interface UpWait {
  /** Jobs seen running (ready) at some moment of the wait. */
  running: number;
  /** Jobs that ran and ended with a success code (one-shots). */
  done: number;
  /** Jobs that ended otherwise, back off, were given up on, stopped or removed meanwhile. */
  failed: WaitProblem[];
  /** Jobs still starting when the time was up. */
  pending: WaitProblem[];
  /** How long the wait took (ms). */
  ms: number;
}

type Verdict = 'running' | 'done' | 'failed' | null;

// null: still on its way (starting, or waiting for the programs it comes `after:`).
function verdict(j: Job): Verdict {
  if (j.state === 'running' && j.pid != null) return 'running';
  // Waiting for a program that ended in failure (`after: { X: exited }`): it will not come up by
  // itself, as docker compose's service_completed_successfully fails at once.
  if (j.state === 'starting' && j.waitingFor?.some((w) => w.includes(FAILED_DEPENDENCY))) return 'failed';
  if (j.state === 'starting' || j.state === 'running') return null;
  if (j.state === 'exited' && j.lastExit && isSuccess(j.spec, j.lastExit)) return 'done';
  return 'failed';
}

// In words: how it ended and what the daemon does about it, or what it still waits for.
function problem(j: Job): WaitProblem {
  const ended = j.execError ?? j.lastExit?.text ?? null;
  let why: string | null;
  if (j.state === 'backoff') why = `${ended ?? 'ended'}; restarting after a backoff`;
  else if (j.state === 'fatal') why = `given up: ${j.reason ?? ended ?? 'it kept ending'}`;
  else if (j.state === 'starting') {
    why = j.waitingFor ? `waiting for ${j.waitingFor.join(', ')}`
      : j.opening ? `opening ${j.opening}: a FIFO or terminal waiting for its other end`
      : j.pid != null ? 'not ready yet' : 'not started yet';
  }
  else if (j.state === 'stopping' || (j.state === 'stopped' && j.want === 'down')) why = 'stopped meanwhile (appinit stop or down, or an up of the file without it)';
  else why = ended ?? j.reason;
  return { name: j.spec.name, job: j.number, state: j.state, why };
}

/** Follows `jobs` until each has a verdict or `timeoutMs` passes (or, after it, the time a job
 *  still starting asked for with EXTEND_TIMEOUT_USEC=); resolves with what each came to. */
export function waitUp(sup: Pick<Supervisor, 'on' | 'off'>, jobs: readonly Job[], timeoutMs: number): Promise<UpWait> {
  const t0 = performance.now();
  const open = new Map<number, Job>();
  const out: UpWait = { running: 0, done: 0, failed: [], pending: [], ms: 0 };
  // Seen running: counted at the end as what it is then. A task seen running (a migration that
  // `web` comes `after:`) has exited by the time its followers run: "2 jobs running" was one.
  const ran: Job[] = [];
  const judge = (j: Job): void => {
    const v = verdict(j);
    if (v == null) return;
    open.delete(j.id);
    if (v === 'running') ran.push(j);
    else if (v === 'done') out.done++;
    else out.failed.push(problem(j));
  };
  for (const j of jobs) {
    open.set(j.id, j);
    judge(j);
  }
  return new Promise((resolve) => {
    let cancel: (() => void) | null = null;
    const finish = (): void => {
      sup.off('change', onChange);
      sup.off('forget', onForget);
      cancel?.();
      for (const j of open.values()) out.pending.push(problem(j));
      for (const j of ran) if (verdict(j) === 'done') out.done++; else out.running++;
      out.ms = Math.round(performance.now() - t0);
      resolve(out);
    };
    const onChange = (c: JobChange): void => {
      const j = open.get(c.job.id);
      if (!j) return;
      judge(j);
      if (open.size === 0) finish();
    };
    // Removed meanwhile (another `up` of the file without its program, `rm`): it will never come up.
    const onForget = (j: Job): void => {
      if (!open.delete(j.id)) return;
      out.failed.push({ name: j.spec.name, job: j.number, state: 'removed', why: 'removed meanwhile (an up of the file without it, or appinit rm)' });
      if (open.size === 0) finish();
    };
    if (open.size === 0) return finish();
    sup.on('change', onChange);
    sup.on('forget', onForget);
    cancel = startTimeout(() => open.values(), timeoutMs, finish);
  });
}
