// `status`, `info`: commands that show.
import { client, EXIT } from '../context.js';
import { formatAps, formatStatus } from '../format/status.js';
import { formatPipes, withPipes } from '../format/pipes.js';
import { SOURCE_TEXT } from '../../core/accounting/source.js';

// What the daemon says is degraded, on stderr so that tables and JSON stay clean.
function warnProblems(problems: { what: string; since: number; message: string }[] | undefined): void {
  for (const p of problems ?? []) if (p.what === 'disk') process.stderr.write(`appinit: warning: ${p.message}\n`);
}

/** appinit status [NAME...] [--json] [--aps] */
export async function status(names: string[], json: boolean, aps = false): Promise<number> {
  const c = await client();
  // Pipes between programs and their fill levels (an older daemon has none to say).
  const [jobs, i, pipes] = await Promise.all([c.status(names), c.info(), aps ? [] : c.pipes().catch(() => [])]);
  const shown = names.length ? pipes.filter((p) => jobs.some((j) => p.name.startsWith(`${j.name}.`) || p.readers.some((r) => r.name === j.name))) : pipes;
  const table = formatPipes(shown);
  process.stdout.write(json ? JSON.stringify(withPipes(jobs, pipes), null, 2) + '\n' : (aps ? formatAps(jobs) : formatStatus(jobs)) + '\n' + (table ? `\n${table}\n` : ''));
  warnProblems(i.problems);
  return EXIT.ok;
}

/** appinit info [--json]: the daemon's pid, its helper's, home and version. */
export async function info(json: boolean): Promise<number> {
  const c = await client();
  const i = await c.info();
  process.stdout.write(json ? JSON.stringify(i, null, 2) + '\n' : `daemon pid ${i.pid}, supervise helper pid ${i.helperPid}, home ${i.home}, version ${i.version}, up ${Math.round(i.uptime)}s\n`);
  if (!json && i.acct) process.stdout.write(`accounting: ${SOURCE_TEXT[i.acct]}\n`);
  if (!json && i.cgroup !== undefined) process.stdout.write(`process trees: ${i.cgroup && i.cgroup !== 'none' ? `one cgroup per job (${i.cgroup})` : 'sessions and process groups (no writable cgroup)'}\n`);
  if (!json) for (const p of i.problems ?? []) process.stdout.write(`degraded (${p.what}, since ${new Date(p.since).toISOString()}): ${p.message}\n`);
  return EXIT.ok;
}
