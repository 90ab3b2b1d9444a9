// The status table, in the spirit of the seed's `aps`: one line per job.
import type { JobView } from '../../api/views.js';
import { formatDuration } from '../../config/units.js';
import { table } from './table.js';

/** The state word shown to people: a job stopped by a signal shows as such. */
export function shownState(j: JobView): string {
  if (j.opening) return `${j.state} (opening ${j.opening})`;
  if (j.waitingFor?.length) return `${j.state} (waiting for ${j.waitingFor.join(', ')})`;
  return j.suspended ? `${j.state}(stopped)` : j.state;
}

/** Formats jobs as the status table. */
export function formatStatus(jobs: JobView[]): string {
  if (jobs.length === 0) return 'no programs (load a control file with: appinit up FILE)';
  const rows = jobs.map((j) => [
    j.name,
    `%${j.job}`,
    j.pid != null ? String(j.pid) : '-',
    shownState(j),
    j.uptime != null ? formatDuration(Math.floor(j.uptime) * 1000) : '-',
    String(j.restarts),
    j.user,
    j.lastExit ? j.lastExit.text : '-',
    j.command,
  ]);
  const text = table(['NAME', 'JOB', 'PID', 'STATE', 'UPTIME', 'RESTARTS', 'USER', 'LAST', 'COMMAND'], rows, ['PID', 'RESTARTS']);
  const reasons = jobs.filter((j) => j.reason && (j.state === 'fatal' || j.state === 'backoff')).map((j) => `${j.name}: ${j.reason}`);
  return reasons.length ? `${text}\n\n${reasons.join('\n')}` : text;
}
