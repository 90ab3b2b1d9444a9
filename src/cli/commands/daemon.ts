// `appinit daemon [FILE]`: run the daemon in the foreground (or, with --background, as
// the process other commands start).
import { defineProcessState } from '../../os/process-state.js';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { appinitHome, pathsFor, systemPaths } from '../../api/paths.js';
import { AlreadyRunning, NotRoot, readOnlyStore, startDaemon } from '../../api/daemon.js';
import { systemMode } from '../../client/home.js';
import { daemonLogMax, resilientLog, turnLog } from '../../api/daemon-log.js';
import { reopenStdio } from '../../os/stdio.js';
import { jobView } from '../../api/views.js';
import { parseControlText } from '../../config/load.js';
import { ConfigError, formatIssue } from '../../config/program.js';
import { followArticle } from '../../core/once/article.js';
import type { JobChange } from '../../core/supervisor/runtime.js';
import { formatAps, formatStatus } from '../format/status.js';
import { CliError } from '../context.js';
import { formatUp } from './programs.js';

// The time of a log line: lines of the same millisecond (an `up` logs hundreds) share one string.
let stampMs = -1;
let stampText = '';
function stamp(): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampMs = ms;
    stampText = new Date(ms).toISOString();
  }
  return stampText;
}

// SIGUSR1 is node's "open the inspector": a daemon sent it (logrotate's habit) listened on
// 127.0.0.1:9229, where any local user could run code as the daemon, root's for the system
// daemon. A listener of our own turns that off; the signal then reopens the logs, as nginx's.
function takeSigusr1(reopen: () => void): void {
  process.removeAllListeners('SIGUSR1');
  process.on('SIGUSR1', reopen);
}

/** Runs the daemon until `down`, SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(file: string | undefined, background: boolean): Promise<number> {
  takeSigusr1(() => {}); // from the start: no inspector while the daemon starts either
  // Autostarted by a command: not that command's shell's limits, nice value and CPUs.
  const redefined = background ? defineProcessState() : [];
  const home = appinitHome();
  let d;
  try {
    d = await startDaemon(home, { system: systemMode() });
  } catch (err) {
    if (err instanceof AlreadyRunning || err instanceof NotRoot) throw new CliError(err.message.replace(/^appinit: /, ''));
    // SQLite says only "attempt to write a readonly database": which file, and what to do.
    if (/^SQLITE_READONLY/.test((err as { code?: string }).code ?? '')) {
      throw new CliError(readOnlyStore((systemMode() ? systemPaths() : pathsFor(home)).db, err));
    }
    throw err;
  }
  // In the background stdout is the daemon's log file: written asynchronously, off the restart
  // path, and a full disk drops lines rather than ending the daemon. In the foreground a turn's
  // lines leave together (turnLog); what else the daemon prints there waits for them (say).
  const fg = background ? null : turnLog((t) => process.stdout.write(t));
  // Rotated past APPINIT_DAEMON_LOG_MAX (10 MB); SIGUSR1 takes up a file logrotate moved away.
  const logFile = background ? { path: d.paths.daemonLog, maxBytes: daemonLogMax() } : undefined;
  const write = fg ? fg.write : resilientLog(1, logFile);
  const say = (text: string) => {
    fg?.flush();
    process.stdout.write(text);
  };
  const log = (line: string) => write(`${stamp()} ${line}\n`);
  d.notes.on('note', (m: string) => log(m));
  if (redefined.length) log(`process state of the command that started the daemon undone where it could be: ${redefined.join(', ')}`);
  // What `ps` and `pgrep -f 'appinit daemon'` show, rather than node's path.
  process.title = d.paths.system ? 'appinit daemon --system' : `appinit daemon ${home}`;
  if (!background) log(d.paths.system ? `appinit daemon --system (pid ${process.pid}) serving every user on ${d.paths.socket}` : `appinit daemon (pid ${process.pid}) serving ${home}`);
  followArticle(d.sup, (line) => log(line)); // the article's lines, for every job
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
  takeSigusr1(() => {
    if (logFile) {
      try { reopenStdio(logFile.path); } catch (err) { log(`SIGUSR1: could not reopen ${logFile.path}: ${(err as Error).message}`); }
    }
    log(`SIGUSR1: reopening every job's log file (appinit logs --reopen)${logFile ? ' and this log' : ''}`);
    d!.sup.reopenLogs();
  });
  // `appinit update`: end this daemon but not its jobs; the next one (a newer install) adopts them.
  process.on('SIGUSR2', () => {
    log('handing over: every job stays with the supervise helper for the next daemon');
    void d!.down(false);
  });
  if (file) {
    try {
      const r = await d.up(file);
      say(formatUp(r) + '\n');
    } catch (err) {
      if (err instanceof ConfigError) {
        fg?.flush();
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
    say('\n' + formatStatus([...d.sup.jobs.values()].sort((a, b) => a.number - b.number).map((j) => jobView(j))) + '\n\n');
  }
  await d.done;
  log('daemon stopped');
  return 0;
}

/**
 * `appinit daemon --once FILE`: the seed article's appinit (Figure 3). Starts every program of
 * FILE, prints `Process N running on TTY.` for each, one line for each end or stop, then
 * `All child processes terminated.` once every job has come to rest, and exits 0. With `aps`,
 * the aps table is printed before each wait, as Figure 3's loop does.
 *
 * It runs its own daemon in a private home ($APPINIT_HOME/once-PID, removed at the end), so it
 * never replaces the programs a running daemon holds; `APPINIT_HOME=.../once-PID appinit status
 * --aps` shows its table from another terminal meanwhile.
 */
export async function runOnce(file: string | undefined, aps: boolean): Promise<number> {
  takeSigusr1(() => {});
  if (!file) throw new CliError('daemon --once: name a control file, e.g. appinit daemon --once appinit.tab', 2);
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read control file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    parseControlText(text, abs, dirname(abs)); // every error before anything starts
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(err.issues.map((i) => `appinit: ${formatIssue(i)}\n`).join(''));
    return 1;
  }
  const base = appinitHome();
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const home = join(base, `once-${process.pid}`);
  const d = await startDaemon(home);
  process.title = `appinit daemon --once ${abs}`;
  const say = (line: string) => process.stdout.write(line + '\n');
  // The end line comes as the process is reaped, before its job is updated: pids already
  // reported ended show as <terminated>, as the article zeroes pidv[i] before printing.
  const ended = new Set<number>();
  const table = () => {
    if (!aps) return;
    const views = [...d.sup.jobs.values()].sort((a, b) => a.number - b.number).map((j) => jobView(j))
      .map((v) => (v.pid != null && ended.has(v.pid) ? { ...v, pid: null } : v));
    say('\n' + formatAps(views) + '\n');
  };
  let started = false;
  followArticle(d.sup, (line, ev) => {
    say(line);
    if (ev.kind === 'end') ended.add(ev.pid);
    if (started && ev.kind !== 'start') table();
  });
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    void d.down();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await d.up(abs);
    const jobs = [...d.sup.jobs.values()];
    // Figure 3 prints the table once every process is created, before its first wait.
    await Promise.all(jobs.map((j) => d.sup.waitStarted(j)));
    started = true;
    table();
    await Promise.race([d.sup.waitAllRest(jobs), d.done]);
    if (!interrupted) say('All child processes terminated.');
  } finally {
    await d.down();
    rmSync(home, { recursive: true, force: true });
  }
  return interrupted ? 130 : 0;
}
