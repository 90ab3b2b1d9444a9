// The status table, in the spirit of the seed's `aps`: one line per job; and `aps` itself.
import type { JobView } from '../../api/views.js';
import { formatUptime } from '../../config/units.js';
import { printable, table } from './table.js';
import { systemMode } from '../../client/home.js';

/** The state word shown to people: a job stopped by a signal shows as such. */
export function shownState(j: JobView): string {
  if (j.opening) return `${j.state} (opening ${j.opening})`;
  // A start waiting for the resources it needs (coordination): `waiting (needs gpu, db)`.
  if (j.waitingFor?.length && j.waitingFor.every((w) => w.startsWith('needs '))) return `waiting (needs ${j.waitingFor.map((w) => w.slice(6)).join(', ')})`;
  if (j.waitingFor?.length) return `${j.state} (waiting for ${j.waitingFor.join(', ')})`;
  if (j.suspended) return `${j.state}(stopped)`;
  // sd_notify: what the program says of itself (STATUS=), or that READY=1 has not come yet; only
  // while it runs (`stopped (Ready to accept connections)` read as a contradiction).
  if (j.statusText && (j.state === 'starting' || j.state === 'running' || j.state === 'stopping')) return `${j.state} (${j.statusText.length > 40 ? `${j.statusText.slice(0, 39)}…` : j.statusText})`;
  if (j.awaitingReady) return `${j.state} (waiting for READY=1)`;
  // A running job whose health checks fail shows as such; `starting` and `healthy` need no word.
  return j.health?.status === 'unhealthy' ? `${j.state}(unhealthy)` : j.state;
}

/** Formats jobs as the status table; a TTY column appears when any job has a terminal. */
export function formatStatus(jobs: JobView[]): string {
  if (jobs.length === 0) return 'no programs (load a control file with: appinit up FILE)';
  const withTty = jobs.some((j) => j.tty != null);
  const rows = jobs.map((j) => [
    j.name,
    `%${j.job}`,
    j.pid != null ? String(j.pid) : '-',
    ...(withTty ? [j.tty ?? '?'] : []), // '?' as ps shows a process without a terminal
    shownState(j),
    j.uptime != null ? formatUptime(j.uptime) : '-',
    String(j.restarts),
    j.user,
    j.lastExit ? j.lastExit.text : '-',
    j.command,
  ]);
  const headers = ['NAME', 'JOB', 'PID', ...(withTty ? ['TTY'] : []), 'STATE', 'UPTIME', 'RESTARTS', 'USER', 'LAST', 'COMMAND'];
  const text = table(headers, rows, ['PID', 'RESTARTS']);
  // Why a job is not running: also for a run-once job that could not start (a bad terminal line).
  const reasons = jobs.filter((j) => j.reason && (j.state === 'fatal' || j.state === 'backoff' || j.state === 'exited')).map((j) => `${j.name}: ${j.reason}`);
  for (const j of jobs) if (j.health?.status === 'unhealthy' && j.health.last) reasons.push(`${j.name}: unhealthy: ${j.health.last}`);
  // A leader gone, what it started running on (a `setsid`'d worker): not shown as a PID, so said
  // (with the commands as the user types them: `appinit --system` on the system daemon).
  const cmd = systemMode() ? 'appinit --system' : 'appinit';
  for (const j of jobs) {
    if (j.left) reasons.push(`${j.name}: ${j.state}, but ${j.left === 1 ? '1 process it started still runs' : `${j.left} processes it started still run`} (${cmd} ps shows ${j.left === 1 ? 'it' : 'them'} as job %${j.job}; ${cmd} stop %${j.job} ends ${j.left === 1 ? 'it' : 'them'})`);
  }
  return reasons.length ? `${text}\n\n${reasons.map(printable).join('\n')}` : text;
}

const pad = (s: string, n: number) => s.padEnd(n);

/**
 * The article's `aps` table (Figure 3): `printf("%-6s %-25s", tty + 5, cmdline)` then
 * `" %5d"` for a live process or `<terminated>` (no space before it, as the article prints it).
 * A job without a terminal shows `null`, the article's `/dev/null` without `/dev/`.
 */
export function formatAps(jobs: JobView[]): string {
  const lines = [`${pad('TTY', 6)} ${pad('COMMAND', 25)} ${'PID'.padStart(5)}`];
  for (const j of jobs) {
    const head = `${pad(j.tty ?? 'null', 6)} ${pad(j.command, 25)}`;
    lines.push(j.pid != null ? `${head} ${String(j.pid).padStart(5)}` : `${head}<terminated>`);
  }
  return lines.join('\n');
}
