// `appinit reload NAME`: a new process of each instance on the same listening sockets (and the
// same descriptor store), and the old one stopped only once the new one is ready — by READY=1
// with `ready: notify`, else after `ready` — so no connection is refused or reset meanwhile.
import type { Job, JobChange, Supervisor } from '../supervisor/runtime.js';
import { isResting } from '../supervisor/runtime.js';
import { startTimeout } from '../supervisor/job.js';

/** How long a new instance may take to become ready: systemd's TimeoutStartSec default for notify. */
export const NOTIFY_READY_LIMIT_MS = 90_000;

/** What one instance's reload did. */
export interface ReloadResult {
  name: string;
  instance: number;
  from: { job: number; pid: number | null };
  to: { job: number; pid: number | null };
}

/** Thrown when the new instance did not become ready; the old one is left running. */
export class ReloadError extends Error {}

/** Resolves when the job runs (ready); rejects when it comes to rest or backs off first, or after limitMs. */
export function waitReady(sup: Supervisor, job: Job, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      cancel();
      sup.off('change', onChange);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (job.state === 'running') return done();
      if (job.state === 'backoff' || job.state === 'fatal' || isResting(job)) {
        const why = job.reason ?? job.execError ?? (job.lastExit ? job.lastExit.text : job.state);
        done(new ReloadError(`the new instance ended before it was ready: ${why}`));
      }
    };
    const onChange = (c: JobChange) => { if (c.job === job) check(); };
    const t0 = performance.now();
    const cancel = startTimeout(() => [job], limitMs, () => done(new ReloadError(`the new instance was not ready after ${Math.round((performance.now() - t0) / 1000)} s`)));
    sup.on('change', onChange);
    check();
  });
}

/** Reloads one job: start its successor, wait until it is ready, then stop and forget the old one. */
export async function reloadJob(sup: Supervisor, old: Job): Promise<ReloadResult> {
  const fresh = sup.createJob(old.spec, old.instance, old.ownerUid, old.program);
  sup.start([fresh]);
  const limit = old.spec.ready === 'notify' ? NOTIFY_READY_LIMIT_MS : old.spec.ready + 10_000;
  try {
    await waitReady(sup, fresh, limit);
  } catch (err) {
    // The old one keeps serving; the failed successor goes (its output stays in the logs).
    await sup.stop([fresh]);
    sup.forget(fresh);
    throw err;
  }
  const from = { job: old.number, pid: old.pid };
  await sup.stop([old]);
  sup.forget(old);
  return { name: old.spec.name, instance: old.instance, from, to: { job: fresh.number, pid: fresh.pid } };
}

/** Reloads every given job, one instance after another (the others keep serving meanwhile). */
export async function reloadJobs(sup: Supervisor, jobs: Job[]): Promise<ReloadResult[]> {
  const out: ReloadResult[] = [];
  for (const j of jobs) out.push(await reloadJob(sup, j));
  return out;
}
