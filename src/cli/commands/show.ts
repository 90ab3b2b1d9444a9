// `status`, `info`: commands that show.
import { client, EXIT } from '../context.js';
import { formatStatus } from '../format/status.js';

/** appinit status [NAME] [--json] */
export async function status(name: string | undefined, json: boolean): Promise<number> {
  const c = await client();
  const jobs = await c.status(name);
  process.stdout.write(json ? JSON.stringify(jobs, null, 2) + '\n' : formatStatus(jobs) + '\n');
  return EXIT.ok;
}

/** appinit info [--json]: the daemon's pid, its helper's, home and version. */
export async function info(json: boolean): Promise<number> {
  const c = await client();
  const i = await c.info();
  process.stdout.write(json ? JSON.stringify(i, null, 2) + '\n' : `daemon pid ${i.pid}, supervise helper pid ${i.helperPid}, home ${i.home}, version ${i.version}, up ${Math.round(i.uptime)}s\n`);
  return EXIT.ok;
}
