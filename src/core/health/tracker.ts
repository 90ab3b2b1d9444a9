// Health of one running job, from its probe results: pure, so the counting rules are
// tested without processes. `failures` consecutive failures make it unhealthy; one success
// makes it healthy again (and clears the count).

/** What status shows: no result yet, or the verdict of the last results. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** The health of one job's current process. */
export interface Health {
  status: HealthStatus;
  /** Consecutive failed probes. */
  failures: number;
  /** Why the last probe failed (null after a success). */
  last: string | null;
  /** Wall-clock ms of the last probe. */
  checkedAt: number | null;
}

/** The health of a job whose probes have not answered yet. */
export function initialHealth(): Health {
  return { status: 'starting', failures: 0, last: null, checkedAt: null };
}

/** The health after one probe; `became` is set when the status changed to healthy or unhealthy. */
export function recordProbe(h: Health, ok: boolean, detail: string, limit: number, now: number): { health: Health; became: 'healthy' | 'unhealthy' | null } {
  if (ok) {
    const health: Health = { status: 'healthy', failures: 0, last: null, checkedAt: now };
    return { health, became: h.status === 'healthy' ? null : 'healthy' };
  }
  const failures = h.failures + 1;
  const unhealthy = failures >= limit;
  const health: Health = { status: unhealthy ? 'unhealthy' : h.status, failures, last: detail, checkedAt: now };
  return { health, became: unhealthy && h.status !== 'unhealthy' ? 'unhealthy' : null };
}
