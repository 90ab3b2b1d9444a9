// The lines the seed article's appinit (Figure 3) prints as it dispatches and reaps: one when
// each process starts, one when it ends or stops. `daemon --once` prints them as the article
// does; the daemon writes the same lines to its log.
import type { Job, Supervisor } from '../supervisor/runtime.js';

/** The one-line end of a process, as Figure 3 words it from the wait status. */
export function endLine(tty: string, pid: number, end: { exitCode: number | null; signal: number | null; core: boolean }): string {
  // Neither a code nor a signal: nobody could wait for it (its helper and parent were gone). Not
  // `exit(0)`, which would say it succeeded.
  if (end.signal == null && end.exitCode == null) return `${tty}: Process ${pid} terminated; its status is unknown (no parent of ours waited for it).`;
  if (end.signal == null) return `${tty}: Process ${pid} terminated with exit(${end.exitCode}).`;
  return `${tty}: Process ${pid} terminated due to signal ${end.signal}.${end.core ? ' A core image was produced.' : ''}`;
}

/** The terminal a job's process runs on, as the article names it (`/dev/null` for a daemon). */
export function jobTerminal(job: Job): string {
  const t = job.spec.tty;
  return typeof t === 'string' ? t : t ? 'a pseudo-terminal' : '/dev/null';
}

/** What a line reports: a process started, ended, or stopped. */
export interface ArticleEvent {
  kind: 'start' | 'end' | 'stop';
  job: Job;
  pid: number;
}

/**
 * Calls `out` with Figure 3's lines for every job of `sup`: `Process 1234 running on /dev/tty1.`,
 * `/dev/tty1: Process 1234 terminated with exit(0).`, `... stopped due to signal 19.`,
 * `... terminated due to signal 11. A core image was produced.` (only when a core was dumped).
 * Only a job's own process (its leader) is reported, as the article reports only its children.
 * Returns a function that stops listening.
 */
export function followArticle(sup: Supervisor, out: (line: string, ev: ArticleEvent) => void): () => void {
  const leaders = new Map<number, Job>(); // announced and not yet ended
  // A process's record can come before the job's own exit event: a change in between (the job
  // still naming that pid) must not announce it again.
  const ended = new Map<Job, number>();
  const onChange = ({ job }: { job: Job }) => {
    if (job.pid == null || leaders.get(job.pid) === job || ended.get(job) === job.pid) return;
    leaders.set(job.pid, job);
    out(`Process ${job.pid} running on ${jobTerminal(job)}.`, { kind: 'start', job, pid: job.pid });
  };
  const onRecord = (r: { pid: number; job: number | null; exitCode: number | null; signal: number | null; core: boolean }) => {
    const job = leaders.get(r.pid);
    if (!job || job.id !== r.job) return;
    leaders.delete(r.pid);
    ended.set(job, r.pid);
    out(endLine(jobTerminal(job), r.pid, r), { kind: 'end', job, pid: r.pid });
  };
  const onSuspend = (job: Job, sig: number | null) => {
    if (sig != null && job.pid != null) out(`${jobTerminal(job)}: Process ${job.pid} stopped due to signal ${sig}.`, { kind: 'stop', job, pid: job.pid });
  };
  sup.on('change', onChange);
  sup.on('record', onRecord);
  sup.on('suspend', onSuspend);
  return () => {
    sup.off('change', onChange);
    sup.off('record', onRecord);
    sup.off('suspend', onSuspend);
  };
}
