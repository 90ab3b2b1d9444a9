// Start order, as supervisord's `priority` on top of `after:`: pure batching of jobs.
// A job starts once every program it names in `after` that is also being started has
// started; among those free to start, the lowest priority goes first, equal priorities
// together (in code-point order of their names, as supervisord). Stopping is the same order
// reversed: dependents and high priorities first.
import { byName } from '../compare.js';

/** What ordering needs of a job. */
export interface Orderable {
  spec: { name: string; priority: number; after: string[] };
}

/** The jobs in start batches: each batch starts once the ones before it are up. */
export function startBatches<J extends Orderable>(jobs: readonly J[]): J[][] {
  // Specs stored by an older daemon have neither field: the defaults.
  const prio = (j: J) => j.spec.priority ?? 999;
  const after = (j: J) => j.spec.after ?? [];
  const pending = [...jobs].sort((a, b) => prio(a) - prio(b) || byName(a.spec.name, b.spec.name));
  const batches: J[][] = [];
  while (pending.length > 0) {
    const waiting = new Set(pending.map((j) => j.spec.name));
    // A program never waits for itself (its other instances start with it).
    let free = pending.filter((j) => after(j).every((dep) => dep === j.spec.name || !waiting.has(dep)));
    // A cycle (the control file checks reject it; a stored old spec may not): start the rest by priority.
    if (free.length === 0) free = pending;
    const p = prio(free[0]);
    const batch = free.filter((j) => prio(j) === p);
    batches.push(batch);
    for (const j of batch) pending.splice(pending.indexOf(j), 1);
  }
  return batches;
}

/** The jobs in stop batches: the start order reversed. */
export function stopBatches<J extends Orderable>(jobs: readonly J[]): J[][] {
  return startBatches(jobs).reverse();
}
