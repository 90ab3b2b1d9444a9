// `appinit daemon [FILE]`: run the daemon in the foreground (or, with --background, as
// the process other commands start).
import { appinitHome } from '../../api/paths.js';
import { AlreadyRunning, startDaemon } from '../../api/daemon.js';
import { resilientLog } from '../../api/daemon-log.js';
import { jobView } from '../../api/views.js';
import { ConfigError } from '../../config/program.js';
import type { JobChange } from '../../core/supervisor/runtime.js';
import { formatStatus } from '../format/status.js';
import { CliError } from '../context.js';
import { formatUp } from './programs.js';

function stamp(): string {
  return new Date().toISOString();
}

/** Runs the daemon until `down`, SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(file: string | undefined, background: boolean): Promise<number> {
  const home = appinitHome();
  let d;
  try {
    d = await startDaemon(home);
  } catch (err) {
    if (err instanceof AlreadyRunning) throw new CliError(err.message.replace(/^appinit: /, ''));
    throw err;
  }
  // In the background stdout is the daemon's log file: written asynchronously, off the restart
  // path, and a full disk drops lines rather than ending the daemon.
  const write = background ? resilientLog(1) : (t: string) => process.stdout.write(t);
  const log = (line: string) => write(`${stamp()} ${line}\n`);
  d.notes.on('note', (m: string) => log(m));
  // What `ps` and `pgrep -f 'appinit daemon'` show, rather than node's path.
  process.title = `appinit daemon ${home}`;
  if (!background) log(`appinit daemon (pid ${process.pid}) serving ${home}`);
  d.sup.on('change', (c: JobChange) => {
    if (c.from !== c.to || c.note) log(`${c.job.spec.name} %${c.job.number}: ${c.from} -> ${c.to}${c.job.pid ? ` (pid ${c.job.pid})` : ''}${c.note ? `: ${c.note}` : ''}`);
  });
  const shutdown = () => {
    log('stopping every job');
    void d!.down();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGHUP', () => { /* a closed terminal does not stop the daemon */ });
  if (file) {
    try {
      const r = await d.up(file);
      process.stdout.write(formatUp(r) + '\n');
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(err.issues.map((i) => `appinit: ${i.file}:${i.line}:${i.col}: ${i.path ? i.path + ': ' : ''}${i.message}\n`).join(''));
        await d.down();
        return 1;
      }
      throw err;
    }
    // The table people want to see: once every program has left `starting` (bounded).
    const until = Date.now() + 5000;
    while ([...d.sup.jobs.values()].some((j) => j.state === 'starting') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    process.stdout.write('\n' + formatStatus([...d.sup.jobs.values()].sort((a, b) => a.number - b.number).map((j) => jobView(j))) + '\n\n');
  }
  await d.done;
  log('daemon stopped');
  return 0;
}
