// Where the services of this directory leave what status shows about a job (its health),
// keyed by the job object so nothing outlives the job.
import type { Health } from './tracker.js';

const healthByJob = new WeakMap<object, Health>();

/** The job's health, or null when it has no health check or is not running. */
export function healthOf(job: object): Health | null {
  return healthByJob.get(job) ?? null;
}

/** Sets (or, with null, clears) the job's health. */
export function setHealth(job: object, h: Health | null): void {
  if (h) healthByJob.set(job, h);
  else healthByJob.delete(job);
}
