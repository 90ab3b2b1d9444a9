// When a job's sockets are let go: its NOTIFY_SOCKET when it comes to rest; a descriptor store and
// a listening socket when no job that is not resting uses them any more. Checked a moment after
// the rest, so a `restart` (stop, then start) keeps the store and the listening socket.
import type { Job, Supervisor } from '../supervisor/runtime.js';
import { isResting } from '../supervisor/runtime.js';
import { socketRequest, storeKey } from './spawn.js';

/** How long after a job rests its sockets are checked: longer than a restart's stop-to-start gap. */
export const RELEASE_AFTER_MS = 1000;

const uses = (j: Job) => ({ store: storeKey(j.spec.name, j.instance), urls: (j.spec.listen ?? []).map((l) => l.url) });

// A job the helper gave a NOTIFY_SOCKET, a descriptor store or listening sockets (most have none).
const holdsSockets = (j: Job) => socketRequest(j.spec, j.instance) != null;

/** Releases, in the helper, what the resting job held and nobody else uses. */
export function releaseUnused(sup: Supervisor, job: Job): void {
  if (sup.jobs.get(job.id) === job && !isResting(job)) return; // started again meanwhile
  const live = [...sup.jobs.values()].filter((j) => j !== job && !isResting(j));
  const mine = uses(job);
  const store = live.some((j) => uses(j).store === mine.store) ? undefined : mine.store;
  const urls = mine.urls.filter((u) => !live.some((j) => uses(j).urls.includes(u)));
  sup.releaseSockets({ job: String(job.id), store, urls });
}

/** Watches the supervisor's rests; returns the function that stops watching. What jobs that rest
 *  already held (a daemon killed within the moment after their rest) is let go at once. */
export function watchReleases(sup: Supervisor): () => void {
  for (const j of sup.jobs.values()) if (isResting(j) && holdsSockets(j)) releaseUnused(sup, j);
  const timers = new Set<NodeJS.Timeout>();
  const onRest = (job: Job) => {
    // Nothing to let go: no timer, and no look at every job (a stop of N jobs was O(N^2) here).
    if (!holdsSockets(job)) return;
    const t = setTimeout(() => { timers.delete(t); releaseUnused(sup, job); }, RELEASE_AFTER_MS);
    t.unref();
    timers.add(t);
  };
  sup.on('rest', onRest);
  return () => {
    sup.off('rest', onRest);
    for (const t of timers) clearTimeout(t);
  };
}
