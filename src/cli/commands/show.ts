// `status`, `info`: commands that show.
import { client, EXIT } from '../context.js';
import { formatAps, formatStatus } from '../format/status.js';

/** appinit status [NAME...] [--json] [--aps] */
export async function status(names: string[], json: boolean, aps = false): Promise<number> {
  const c = await client();
  const jobs = await c.status(names);
  process.stdout.write(json ? JSON.stringify(jobs, null, 2) + '\n' : (aps ? formatAps(jobs) : formatStatus(jobs)) + '\n');
  return EXIT.ok;
}

/** appinit info [--json]: the daemon's pid, its helper's, home and version. */
export async function info(json: boolean): Promise<number> {
  const c = await client();
  const i = await c.info();
  process.stdout.write(json ? JSON.stringify(i, null, 2) + '\n' : `daemon pid ${i.pid}, supervise helper pid ${i.helperPid}, home ${i.home}, version ${i.version}, up ${Math.round(i.uptime)}s\n`);
  return EXIT.ok;
}
