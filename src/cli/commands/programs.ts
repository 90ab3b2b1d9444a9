// `up`, `start`, `stop`, `restart`, `signal`, `down`: commands that change what runs.
import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pidInFile, processGone } from '../daemon-end.js';
import { appinitHome, downLeftFile, pathsFor, systemPaths } from '../../api/paths.js';
import { systemMode } from '../../client/home.js';
// read-file.ts, not load.ts: reading the file must not load the YAML parser into the CLI.
import { readRegularFile } from '../../config/read-file.js';
import { BOUNDS } from '../../config/program.js';
import { parseDuration } from '../../config/units.js';
import { readInputFile, readStdin } from '../stdin.js';
import { connect, type UpResult } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { formatStatus } from '../format/status.js';

/** What `up` did (or, dry, would do): one line per program, + added, ~ changed (and what), - removed, = unchanged. */
export function formatUp(r: UpResult): string {
  const dry = r.dryRun;
  const started = new Set(r.started ?? [...r.added, ...r.changed]); // older daemons: no `started`
  const run = (n: string, verb: string) => (started.has(n) ? verb : 'not started');
  const lines = [
    ...r.added.map((n) => `+ ${n} (added, ${dry ? `would be ${run(n, 'started')}` : run(n, 'started')})`),
    ...r.changed.map((n) => {
      const what = r.changes?.[n]?.length ? `${r.changes[n].join(', ')}; ` : '';
      const scale = r.scaled?.[n];
      if (scale) return `~ ${n} (changed: ${what}${scaleText(scale.from, scale.to, started.has(n), dry)})`;
      return `~ ${n} (changed: ${what}${dry ? `would be ${run(n, 'restarted')}` : run(n, 'restarted')})`;
    }),
    ...r.removed.map((n) => `- ${n} (removed, ${dry ? 'would be stopped' : 'stopped'})`),
    ...r.unchanged.map((n) => `= ${n} (unchanged${started.has(n) ? `, ${dry ? 'would be started' : 'started'}` : ''})`),
  ];
  const kept = r.added.length + r.changed.length + r.unchanged.length;
  if (r.removed.length > 0 && kept === 0) {
    // A truncated (but valid) file must not silently remove everything.
    lines.push(`appinit: ${r.file} has no programs: every program (${r.removed.length}) ${dry ? 'would be' : 'was'} removed`);
  }
  if (dry) lines.push('(dry run: nothing changed)');
  return lines.length ? lines.join('\n') : 'no programs';
}

// A program changed only in `instances`: what happens to the instances, the others left running.
function scaleText(from: number, to: number, started: boolean, dry: boolean): string {
  const n = Math.abs(to - from);
  const inst = `${n} instance${n === 1 ? '' : 's'}`;
  const verb = to < from ? 'stopped' : started ? 'started' : 'not started';
  const kept = Math.min(from, to);
  return `${inst} ${dry && verb !== 'not started' ? `would be ${verb}` : verb}; ${kept === 1 ? 'the other runs on' : `the other ${kept} run on`}`;
}

const DEFAULT_FILES = ['appinit.yaml', 'appinit.yml', 'appinit.json'];

/** How long `up --wait` waits without --wait-timeout: systemd's default start timeout. */
export const DEFAULT_WAIT_S = 90;

/** `--wait` and `--wait-timeout` as the seconds to ask the daemon for, or undefined: no wait. */
export function waitSeconds(o: { wait?: boolean; waitTimeout?: string }, verb = 'up'): number | undefined {
  if (o.waitTimeout == null) return o.wait ? DEFAULT_WAIT_S : undefined;
  if (!o.wait) throw new CliError(`${verb}: --wait-timeout is for --wait (appinit ${verb} --wait --wait-timeout 30s)`, EXIT.usage);
  let ms: number;
  try {
    ms = parseDuration(o.waitTimeout);
  } catch {
    throw new CliError(`${verb}: --wait-timeout: expected seconds or a duration like 30s, 5m or 1min 30s, got "${o.waitTimeout}"`, EXIT.usage);
  }
  if (ms > BOUNDS.duration) throw new CliError(`${verb}: --wait-timeout: at most ${BOUNDS.duration / 86_400_000} days`, EXIT.usage);
  return ms / 1000;
}

// What `up --wait` saw, for the person who waited: a line on stdout when all came up; on stderr,
// one line for each job that did not (the exit status 1 says so to a script).
export function reportWait(r: Pick<UpResult, 'wait'>, verb = 'up'): number {
  const w = r.wait;
  if (!w) return EXIT.ok;
  const secs = `${(w.ms / 1000).toFixed(w.ms < 10_000 ? 1 : 0)} s`;
  const done = w.done ? `, ${w.done} ran and exited successfully` : '';
  if (!w.failed.length && !w.pending.length) {
    if (w.running + w.done === 0) process.stdout.write('no program of the file is to run (autostart: false or scheduled)\n');
    else process.stdout.write(`${w.running} job${w.running === 1 ? '' : 's'} running${done} (waited ${secs})\n`);
    return EXIT.ok;
  }
  for (const p of w.failed) process.stderr.write(`appinit: ${verb} --wait: ${p.name} %${p.job} ${p.state}${p.why ? `: ${p.why}` : ''} (appinit logs ${p.name})\n`);
  for (const p of w.pending) process.stderr.write(`appinit: ${verb} --wait: ${p.name} %${p.job} still ${p.state} after ${secs}${p.why ? ` (${p.why})` : ''}\n`);
  process.stderr.write(`appinit: ${verb} --wait: ${w.running} running${done}, ${w.failed.length} failed, ${w.pending.length} not up in time\n`);
  return EXIT.failure;
}

// Names of this process's own descriptors: standard input, and the shell's `<(...)` pipes.
const STDIN_NAMES = /^\/(dev\/stdin|dev\/fd\/0|proc\/self\/fd\/0)$/;
const SHELL_FD_NAMES = /^\/(dev|proc\/self)\/fd\//;

/** appinit up [FILE] [--dry-run]: without FILE, appinit.yaml here, else the file loaded last. */
export async function up(file: string | undefined, opts: { dryRun?: boolean; wait?: number } = {}): Promise<number> {
  // `/dev/stdin` is what `-` says, so it is read as `-` is (named <stdin>, paths from here).
  if (file === '-' || (file != null && STDIN_NAMES.test(file))) return upStdin(opts);
  let path = file ?? DEFAULT_FILES.find((f) => existsSync(f));
  const c = await client();
  if (!path) {
    const last = (await c.lastFile()).file;
    if (!last) throw new CliError(`up: no control file given, none of ${DEFAULT_FILES.join(', ')} here, and none loaded before`, EXIT.usage);
    // `up -` (or a pipe): what was loaded cannot be read again.
    if (last.startsWith('<')) throw new CliError(`up: no control file given and none of ${DEFAULT_FILES.join(', ')} here; the last one was read from ${last === '<stdin>' ? 'standard input' : `a pipe (${last})`}, which cannot be read again: name the file (appinit up FILE)`, EXIT.usage);
    if (SHELL_FD_NAMES.test(last)) throw new CliError(`up: the control file loaded last came through a pipe (${last}); name the file, or pipe it again`, EXIT.usage);
    process.stderr.write(`appinit: reading ${last} again\n`);
    path = last;
  }
  const abs = resolve(path);
  let text: string;
  let dir = dirname(abs);
  if (file != null && isPipe(abs)) {
    // A pipe named on the command line (`appinit up <(envsubst < app.tmpl)`, a FIFO) is read until
    // its writer closes it; one of the shell's /dev/fd names has its relative paths from here.
    text = readInputFile(abs, 'up', BOUNDS.fileSize);
    if (SHELL_FD_NAMES.test(abs)) dir = process.cwd();
  } else {
    try {
      text = readRegularFile(abs);
    } catch (err) {
      throw new CliError(`up: ${(err as Error).message}`);
    }
  }
  const r = await c.up(abs, text, dir, { dryRun: opts.dryRun, wait: opts.wait });
  process.stdout.write(formatUp(r) + '\n');
  return reportWait(r);
}

function isPipe(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

// `appinit up -`: the control file from standard input (kubectl apply -f - style), named
// <stdin> in errors; its relative paths are from the working directory.
async function upStdin(opts: { dryRun?: boolean; wait?: number }): Promise<number> {
  if (process.stdin.isTTY) throw new CliError('up -: reads the control file from standard input; pipe it in (appinit up - < app.yaml)', EXIT.usage);
  const text = await readStdin('up -: standard input', BOUNDS.fileSize);
  // An empty input is a mistake (a pipe that failed), not "remove every program of <stdin>".
  if (text.trim() === '') throw new CliError('up -: standard input is empty; pipe a control file in (appinit up - < app.yaml)', EXIT.usage);
  const r = await (await client()).up('<stdin>', text, process.cwd(), { dryRun: opts.dryRun, wait: opts.wait });
  process.stdout.write(formatUp(r) + '\n');
  return reportWait(r);
}

/** appinit start|stop|restart NAME... */
export async function lifecycle(verb: 'start' | 'stop' | 'restart', names: string[], json: boolean, wait?: number): Promise<number> {
  if (names.length === 0) throw new CliError(`${verb}: name a program (or all)`, EXIT.usage);
  const c = await client();
  const jobs = await c[verb](names);
  process.stdout.write(json ? JSON.stringify(jobs, null, 2) + '\n' : formatStatus(jobs) + '\n');
  // --wait: as supervisorctl start waits startsecs, until each is running, or say which failed.
  if (wait != null && verb !== 'stop') return reportWait(await c.waitUp(names, wait), verb);
  // A process that outlived SIGKILL (state D: stuck in I/O) is named, and the stop is not a
  // success: the job is at rest, but something of it runs on until that I/O ends.
  const stuck = verb === 'stop' ? jobs.filter((j) => j.reason?.startsWith('processes left after SIGKILL')) : [];
  for (const j of stuck) process.stderr.write(`appinit: stop: ${j.name} %${j.job}: ${j.reason}\n`);
  return stuck.length ? EXIT.failure : EXIT.ok;
}

/** appinit signal SIG NAME... */
export async function signal(sig: string, names: string[]): Promise<number> {
  if (names.length === 0) throw new CliError('signal: usage: appinit signal SIG NAME...', EXIT.usage);
  const c = await client();
  const r = await c.signal(/^\d+$/.test(sig) ? Number(sig) : sig, names);
  process.stdout.write(`sent ${r.signal} to ${r.sent} job${r.sent === 1 ? '' : 's'}\n`);
  // A job whose every process the caller may not signal (it became root), as kill(1) says it.
  for (const j of r.refused ?? []) process.stderr.write(`appinit: signal: ${j.name} %${j.job}: ${j.error}\n`);
  if (r.sent === 0 && r.refused?.length) return EXIT.failure;
  // None of them running: nothing was sent (supervisorctl: `ERROR (not running)`).
  if (r.sent === 0) {
    process.stderr.write(`appinit: signal: ${names.join(' ')}: not running\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

// Waits (at most 120 s) for a daemon process to be gone. A zombie is gone too: its parent (init,
// or whatever adopted it) may reap it much later.
async function daemonGone(pid: number): Promise<boolean> {
  const until = Date.now() + 120_000;
  while (!processGone(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return processGone(pid);
}

// A request cut short because the daemon went away (another `down` stopped it meanwhile).
function requestCutShort(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'not_running' || /closed the connection|socket hang up/.test(String((err as Error).message));
}

/** appinit down */
export async function down(): Promise<number> {
  const home = appinitHome();
  // The system daemon is root's to stop (the daemon refuses anyone else); it is never started to be stopped.
  const sys = systemMode();
  const pidFile = sys ? systemPaths().daemonPid : pathsFor(home).daemonPid;
  // A daemon that answers is the everyday case: one request finds it. Only when none does is
  // api/autostart loaded (SQLite, koffi, node:http: ~50 ms of a command's start) to tell why.
  // Another `down` may stop the daemon between our finding it and our request (an admin and a
  // script at once): its socket gone, or the connection closed, is that daemon ending; asked
  // again, the next round waits for it to be gone and says so.
  let raced = 0;
  const again = (err: unknown): Promise<void> => {
    if (++raced > 20) throw err;
    return new Promise((r) => setTimeout(r, 50));
  };
  // A daemon already on its way out when we came (another down): said so, not "none was running".
  const before = pidInFile(pidFile);
  const stoppingBefore = before != null && !processGone(before);
  const stoppedMeanwhile = 'appinit: the daemon stopped meanwhile (another down stopped it)\n';
  for (let attempt = 1; ;) {
    let c = sys ? await client().catch(async (err: unknown) => {
      // The system daemon stopping (another root's down): wait for it to be gone, and say so.
      const pid = pidInFile(pidFile);
      if (pid == null || processGone(pid) ? !stoppingBefore : !(await daemonGone(pid))) throw err;
      return null;
    }) : await connect({ home, autostart: false }).catch(() => null);
    if (!c && sys) {
      process.stdout.write(stoppedMeanwhile);
      return EXIT.ok;
    }
    if (!c) {
      // Never "no daemon was running" while a daemon or jobs are alive but unreachable.
      const { reachOrExplain } = await import('../../api/autostart.js');
      if ((await reachOrExplain(home, (pid) => process.stderr.write(`appinit: started the daemon (pid ${pid}) for ${home} to stop the jobs it left\n`))) === 'none') {
        process.stdout.write(raced || stoppingBefore ? stoppedMeanwhile : 'appinit: no daemon was running\n');
        return EXIT.ok;
      }
      try {
        c = await connect({ home, autostart: false });
      } catch (err) {
        await again(err);
        continue;
      }
    }
    let pid: number;
    try {
      pid = (await c.info()).pid;
      await c.down();
    } catch (err) {
      if (!requestCutShort(err)) throw err;
      await again(err);
      continue;
    }
    // `down` returns when the daemon process is gone: every job has stopped by then. (Its socket
    // file goes as soon as it stops listening, long before that.)
    if (!(await daemonGone(pid))) throw new CliError(`down: the daemon (pid ${pid}) did not stop within 120s`);
    // A daemon that finished its down removed its pid file last; one killed on the way (kill -9,
    // OOM) left it, and jobs it had not stopped yet run on under its helper: those are stopped by
    // a daemon started for them, as when down finds jobs without a daemon.
    if (pidInFile(pidFile) !== pid) break;
    const what = `down: the daemon (pid ${pid}) ended before it had stopped every job`;
    if (sys || attempt++ === 3) throw new CliError(`${what}; run appinit down again`);
    process.stderr.write(`appinit: ${what}\n`);
  }
  // Processes that outlived SIGKILL (state D), as the daemon named them: said, and status 1, as `stop`.
  const leftFile = downLeftFile(pidFile);
  let left = '';
  try { left = readFileSync(leftFile, 'utf8'); unlinkSync(leftFile); } catch { /* none */ }
  if (left) {
    for (const line of left.trimEnd().split('\n')) process.stderr.write(`appinit: down: ${line}\n`);
    process.stdout.write('appinit: daemon stopped; not every process of its jobs could be killed (named above)\n');
    return EXIT.failure;
  }
  process.stdout.write('appinit: every job stopped; daemon stopped\n');
  return EXIT.ok;
}

