// `status`, `info`: commands that show.
import { AppinitError } from '../../client/index.js';
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
  // One call for all of it (no second round trip for info's problems or the pipes); a daemon
  // started before GET /v1/overview existed (the package upgraded under it) answers status and info.
  const { jobs, problems, pipes = [] } = await c.overview(names).catch(async (err: unknown) => {
    if (!(err instanceof AppinitError && err.code === 'not_found' && err.message.startsWith('no route '))) throw err;
    const [j, i] = await Promise.all([c.status(names), c.info()]);
    return { jobs: j, problems: i.problems ?? [], pipes: [] };
  });
  // Pipes between programs and their fill levels: those the shown jobs write or read.
  const shown = names.length ? pipes.filter((p) => jobs.some((j) => p.name.startsWith(`${j.name}.`) || p.readers.some((r) => r.name === j.name))) : pipes;
  const table = aps ? '' : formatPipes(shown);
  // No programs: the hint is for a person (stderr); `status | wc -l` counts no line, as
  // supervisorctl status prints none.
  if (!json && !aps && jobs.length === 0) process.stderr.write(formatStatus(jobs) + '\n');
  else process.stdout.write(json ? JSON.stringify(withPipes(jobs, pipes), null, 2) + '\n' : (aps ? formatAps(jobs) : formatStatus(jobs)) + '\n' + (table ? `\n${table}\n` : ''));
  warnProblems(problems);
  return EXIT.ok;
}

/** appinit info [--json]: the daemon's pid, its helper's, home and version. */
export async function info(json: boolean): Promise<number> {
  const c = await client();
  const i = await c.info();
  if (json) {
    process.stdout.write(JSON.stringify(i, null, 2) + '\n');
    return EXIT.ok;
  }
  // One write: `info | head -1` ends with 0, as every listing does (separate writes let head
  // leave between them: 141 half the time, a failure under pipefail).
  const lines = [`daemon pid ${i.pid}, supervise helper pid ${i.helperPid}, home ${i.home}, version ${i.version}, up ${Math.round(i.uptime)}s`];
  if (i.acct) lines.push(`accounting: ${SOURCE_TEXT[i.acct]}`);
  if (i.cgroup !== undefined) lines.push(`process trees: ${i.cgroup && i.cgroup !== 'none' ? `one cgroup per job (${i.cgroup})` : 'sessions and process groups (no writable cgroup)'}`);
  for (const p of i.problems ?? []) lines.push(`degraded (${p.what}, since ${new Date(p.since).toISOString()}): ${p.message}`);
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
