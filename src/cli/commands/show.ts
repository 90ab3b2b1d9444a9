// `status`, `logs`, `info`: commands that show.
import type { LogLine } from '../../client/index.js';
import { client, CliError, EXIT, report } from '../context.js';
import { formatAps, formatStatus } from '../format/status.js';

// What the daemon says is degraded, on stderr so that tables and JSON stay clean.
function warnProblems(problems: { what: string; since: number; message: string }[] | undefined): void {
  for (const p of problems ?? []) if (p.what === 'disk') process.stderr.write(`appinit: warning: ${p.message}\n`);
}

/** appinit status [NAME...] [--json] [--aps] */
export async function status(names: string[], json: boolean, aps = false): Promise<number> {
  const c = await client();
  const [jobs, i] = await Promise.all([c.status(names), c.info()]);
  process.stdout.write(json ? JSON.stringify(jobs, null, 2) + '\n' : (aps ? formatAps(jobs) : formatStatus(jobs)) + '\n');
  warnProblems(i.problems);
  return EXIT.ok;
}

/** Options of `logs`. */
export interface LogsOptions {
  follow?: boolean;
  lines?: string;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  json?: boolean;
  flush?: boolean;
  reopen?: boolean;
}

/** appinit logs [NAME] [-f] [-n N] [--since T] [--stdout|--stderr] [--json] [--flush] [--reopen] */
export async function logs(name: string | undefined, opts: LogsOptions): Promise<number> {
  const n = Number(opts.lines ?? 15);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`logs: -n expects a whole number, got "${opts.lines}"`, EXIT.usage);
  if (opts.stdout && opts.stderr) throw new CliError('logs: --stdout and --stderr exclude each other', EXIT.usage);
  const c = await client();
  if (opts.reopen) {
    await c.reopenLogs();
    process.stdout.write('appinit: log files reopened\n');
    return EXIT.ok;
  }
  if (opts.flush) {
    if (!name) throw new CliError('logs --flush: name a program (or all)', EXIT.usage);
    const r = await c.flushLogs([name]);
    process.stdout.write(`appinit: emptied the logs of ${r.flushed.join(', ')}\n`);
    return EXIT.ok;
  }
  const stream = opts.stdout ? 'stdout' : opts.stderr ? 'stderr' : undefined;
  // Without a name every program's lines are shown, each behind its name (as pm2 logs does).
  const show = (l: LogLine) => process.stdout.write(opts.json ? JSON.stringify(l) + '\n' : name ? `${l.line}\n` : `${l.name} | ${l.line}\n`);
  if (!opts.follow || opts.since) {
    const r = await c.logs({ name, n, stream, since: opts.since });
    for (const l of r.lines) show(l);
    if (!opts.follow) return EXIT.ok;
  }
  return new Promise((resolve) => {
    // One request gives the last n lines and then what follows them: nothing lost or doubled between.
    const close = c.followLogs({ name, stream, n: opts.since ? 0 : n }, (l) => {
      if ('missed' in l) process.stderr.write(`appinit: ${l.missed} lines missed: this reader was too slow\n`);
      else show(l);
    }, (err) => resolve(err ? report(err) : EXIT.ok));
    process.on('SIGINT', () => { close(); resolve(EXIT.ok); });
  });
}

/** appinit info [--json]: the daemon's pid, its helper's, home and version. */
export async function info(json: boolean): Promise<number> {
  const c = await client();
  const i = await c.info();
  process.stdout.write(json ? JSON.stringify(i, null, 2) + '\n' : `daemon pid ${i.pid}, supervise helper pid ${i.helperPid}, home ${i.home}, version ${i.version}, up ${Math.round(i.uptime)}s\n`);
  if (!json) for (const p of i.problems ?? []) process.stdout.write(`degraded (${p.what}, since ${new Date(p.since).toISOString()}): ${p.message}\n`);
  return EXIT.ok;
}
