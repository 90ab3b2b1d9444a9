// `appinit update`: after an upgrade (`npm i -g appinit@next`) the running daemon hands over to one
// of this version without stopping a job: it is sent SIGUSR2 (end, leave the jobs to the supervise
// helper), then this command starts the new daemon, which adopts the helper and every job.
import { appinitHome } from '../../client/home.js';
import { connect } from '../../client/index.js';
import { packageVersion } from '../../api/package-version.js';
import { client, CliError, EXIT } from '../context.js';

/** Options of update. */
export interface UpdateOptions {
  force?: boolean;
  json?: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Hands the daemon's jobs to a daemon of this version; 0 when done or nothing to do. */
export async function update(o: UpdateOptions): Promise<number> {
  const home = appinitHome();
  const mine = packageVersion();
  let old;
  try {
    old = await connect({ home, autostart: false, keepAlive: false });
  } catch {
    process.stdout.write(`no daemon runs for ${home}; the next command starts appinit ${mine}\n`);
    return EXIT.ok;
  }
  const before = await old.info();
  const jobsBefore = (await old.status()).filter((j) => j.pid != null);
  if (before.version === mine && !o.force) {
    process.stdout.write(`the daemon (pid ${before.pid}) already runs appinit ${mine}; --force hands over anyway\n`);
    return EXIT.ok;
  }
  process.kill(before.pid, 'SIGUSR2');
  const until = Date.now() + 60_000;
  while (alive(before.pid)) {
    if (Date.now() > until) throw new CliError(`update: the daemon (pid ${before.pid}) did not end within 60 s of SIGUSR2; its jobs are untouched`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Starts this version's daemon, or finds the one an init system restarted meanwhile.
  const c = await client();
  const after = await c.info();
  const jobsAfter = await c.status();
  const kept = jobsBefore.filter((j) => jobsAfter.some((k) => k.name === j.name && k.job === j.job && k.pid === j.pid));
  if (o.json) {
    process.stdout.write(JSON.stringify({ from: { version: before.version, pid: before.pid }, to: { version: after.version, pid: after.pid }, jobs: jobsBefore.length, kept: kept.length }) + '\n');
  } else {
    process.stdout.write(`daemon ${before.version} (pid ${before.pid}) handed over to ${after.version} (pid ${after.pid}); ${kept.length} of ${jobsBefore.length} running jobs kept their pids\n`);
  }
  return kept.length === jobsBefore.length ? EXIT.ok : EXIT.failure;
}
