// Starting and stopping jobs in order (priority, after), on the supervisor's public surface:
// each start batch is started and waited for until its jobs are up (or have given up), each
// stop batch is stopped before the next; a single batch is exactly sup.start / sup.stop.
import type { Job, JobChange, Supervisor } from '../supervisor/runtime.js';
import { startBatches, stopBatches } from './order.js';

// States in which a started job no longer holds the next batch back: up, or failed to come up.
const SETTLED = new Set(['running', 'backoff', 'fatal', 'exited', 'stopped']);

/** Resolves when every job has settled after a start, or after `limitMs` (then the rest go on anyway). */
export function waitSettled(sup: Supervisor, jobs: readonly Job[], limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!jobs.every((j) => SETTLED.has(j.state))) return;
      done();
    };
    const done = () => {
      clearTimeout(timer);
      sup.off('change', onChange);
      resolve();
    };
    const onChange = (_c: JobChange) => check();
    const timer = setTimeout(done, limitMs);
    sup.on('change', onChange);
    check();
  });
}

/** Starts jobs batch by batch; resolves when the last batch has been started. */
export async function startInOrder(sup: Supervisor, jobs: readonly Job[]): Promise<void> {
  const batches = startBatches(jobs);
  for (let i = 0; i < batches.length; i++) {
    sup.start(batches[i]);
    if (i < batches.length - 1) {
      // Bounded by the slowest `ready` and a margin for the spawn itself.
      const limit = Math.max(...batches[i].map((j) => (typeof j.spec.ready === 'number' ? j.spec.ready : 90_000))) + 10_000;
      await waitSettled(sup, batches[i], limit);
    }
  }
}

/** Stops jobs batch by batch, in the reverse of the start order; resolves when all rest.
 *  `startAgain` (a restart): stored as to start again, should the daemon end before it starts them.
 *  `evenUnstored` (the daemon's shutdown): stopped even when the store cannot take it (Supervisor.stop). */
export async function stopInOrder(sup: Supervisor, jobs: readonly Job[], opts: { startAgain?: boolean; evenUnstored?: boolean } = {}): Promise<void> {
  for (const batch of stopBatches(jobs)) await (opts.startAgain ? sup.stopToStartAgain(batch) : sup.stop(batch, { evenUnstored: opts.evenUnstored }));
}
