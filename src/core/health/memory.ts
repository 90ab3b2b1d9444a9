// maxMemory: at each sampler tick, a job whose whole RSS (leader and descendants, as the
// sampler sums it) is above its program's maxMemory is restarted by its policy.
import { formatSize } from '../../config/units.js';
import type { JobSample } from '../../store/monitor.js';
import type { Job } from '../supervisor/runtime.js';
import type { PolicyRestarter } from './restart.js';

/** The reason for a restart, or null when the job is within its limit (or has none). */
export function memoryReason(rssKb: number, maxMemory: number | null): string | null {
  if (maxMemory == null) return null;
  const rss = rssKb * 1024;
  return rss > maxMemory ? `memory ${formatSize(rss)} above maxMemory ${formatSize(maxMemory)}` : null;
}

/** Restarts the jobs of one tick's samples that are over their limit. */
export function checkMemory(samples: readonly JobSample[], jobs: ReadonlyMap<number, Job>, restarter: PolicyRestarter): void {
  for (const s of samples) {
    const job = jobs.get(s.job);
    if (!job || job.spec.maxMemory == null) continue;
    const reason = memoryReason(s.rssKb, job.spec.maxMemory);
    if (reason) restarter.fail(job, reason);
  }
}
