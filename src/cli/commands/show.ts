// `status`, `logs`, `acct`: commands that show.
import { client, CliError, EXIT } from '../context.js';
import { formatAcct } from '../format/acct.js';
import { formatStatus } from '../format/status.js';

/** appinit status [NAME] [--json] */
export async function status(name: string | undefined, json: boolean): Promise<number> {
  const c = await client();
  const jobs = await c.status(name);
  process.stdout.write(json ? JSON.stringify(jobs, null, 2) + '\n' : formatStatus(jobs) + '\n');
  return EXIT.ok;
}

/** appinit logs NAME [-f] [-n N] */
export async function logs(name: string, opts: { follow?: boolean; lines?: string; stdout?: boolean; stderr?: boolean }): Promise<number> {
  const n = Number(opts.lines ?? 15);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`logs: -n expects a whole number, got "${opts.lines}"`, EXIT.usage);
  const stream = opts.stdout ? 'stdout' : opts.stderr ? 'stderr' : undefined;
  const c = await client();
  const r = await c.logs(name, n, stream);
  for (const l of r.stdout) process.stdout.write(l + '\n');
  for (const l of r.stderr) process.stdout.write(l + '\n');
  if (!opts.follow) return EXIT.ok;
  return new Promise((resolve) => {
    const close = c.followLogs(name, (l) => process.stdout.write(l.line + '\n'), () => resolve(EXIT.ok), stream);
    process.on('SIGINT', () => { close(); resolve(EXIT.ok); });
  });
}

/** appinit acct [NAME] [--json] */
export async function acct(name: string | undefined, opts: { json?: boolean; limit?: string; command?: string }): Promise<number> {
  const c = await client();
  const recs = await c.acct({ program: name, command: opts.command, limit: opts.limit ? Number(opts.limit) : undefined });
  process.stdout.write(opts.json ? JSON.stringify(recs, null, 2) + '\n' : formatAcct(recs) + '\n');
  return EXIT.ok;
}
