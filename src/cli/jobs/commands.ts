// run, jobs, fg, bg, kill, pkill, wait: shell job control for jobs the daemon owns.
import { currentUmask } from '../umask.js';
import os from 'node:os';
import type { Command } from '../args.js';
import type { AttachEnd } from './attach.js';
import { client, CliError, EXIT } from '../context.js';
import { endBySignal, EXIT_PIPE } from '../run.js';
import { AppinitError, type Client } from '../../client/index.js';
import { systemMode } from '../../client/home.js';
import type { Runner } from '../modules.js';
import { JobSpecError, resolveJobSpec } from '../../core/jobs/spec.js';

// Loaded by the commands that use them: a terminal (koffi) and the signal tables cost every start.
const attachment = () => import('./attach.js');
const format = () => import('../../cli/jobs/format.js');


// The system daemon's helper admits only root: its terminals go through the daemon, which checks the job is yours.
function via(c: Client): string | null {
  return systemMode() ? c.socket : null;
}

// What the shell shows when a foreground job gives the prompt back, and the status it returns.
async function ending(end: AttachEnd, number: number, command: string): Promise<number> {
  switch (end.kind) {
    case 'stopped':
      process.stderr.write(`\n[${number}]+  ${'Stopped'.padEnd(24)}${command}\n`);
      return 128 + (ctrlZ && end.signal === 19 ? 20 : end.signal);
    case 'detached':
      process.stderr.write(`\n[${number}]+  ${'Running'.padEnd(24)}${command} &   (detached: appinit fg %${number})\n`);
      return EXIT.ok;
    case 'reader-gone':
      return EXIT_PIPE;
    case 'lost':
      process.stderr.write('appinit: lost the connection to the job\n');
      return EXIT.failure;
    case 'refused':
      process.stderr.write(`appinit: ${end.message}\n`);
      return EXIT.failure;
    case 'exit': {
      const { code, signal, core } = (await import('../../os/supervise.js')).decodeStatus(end.status);
      if (signal === 2 || signal === 3) endBySignal(signal === 2 ? 'SIGINT' : 'SIGQUIT', end.typedIntr === true && signal === 2);
      if (signal != null && signal === relayed && (signal === 15 || signal === 1)) { endBySignal(signal === 15 ? 'SIGTERM' : 'SIGHUP'); return 128 + signal; }
      if (signal != null && signal !== 2 && signal !== 13) process.stderr.write(`${(await format()).strsignal(signal)}${core ? ' (core dumped)' : ''}\n`);
      return signal != null ? 128 + signal : code ?? 0;
    }
  }
}

// Without a terminal of its own the job is not in this terminal's foreground group: a Ctrl-C
// (or a hangup, or `timeout`'s TERM) reaches this command only. It passes them on to the job's
// process group, as the terminal would have, and waits on for the job's end (130 after a Ctrl-C,
// as bash). A Ctrl-Z (`appinit run -- make > build.log`) stops the job, not only this command:
// it ends with 148 and `[N]+ Stopped`, as run on a terminal does (`appinit fg %N` continues it).
// If the daemon cannot be asked, the command ends as the signal would have ended it.
// A Ctrl-Z passed on as STOP (below): the job's stop is told as the Ctrl-Z it was (148, as bash).
let ctrlZ = false;
// The signal this command got and passed on (`timeout`'s TERM, a hangup): a job that ends of it
// ends this command the same way, quietly, as the command itself would have (`timeout 2 sleep
// 10` prints nothing; `run` printed "Terminated", as a shell does for its own child).
let relayed: number | null = null;

function forwardSignals(c: Client, job: number): () => void {
  const sigs = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGTSTP'] as const;
  const on = (sig: NodeJS.Signals) => {
    // The job leads its own session with no terminal: its group is orphaned, and the kernel drops a
    // TSTP sent to one (POSIX). STOP is what Ctrl-Z means for it.
    if (sig === 'SIGTSTP') ctrlZ = true;
    else relayed = os.constants.signals[sig] ?? null;
    c.kill([`%${job}`], sig === 'SIGTSTP' ? 'STOP' : sig.slice(3)).then((r) => { if (!r.results.every((x) => x.ok)) throw new Error('not sent'); })
      .catch(() => process.exit(128 + (os.constants.signals[sig] ?? 2)));
  };
  for (const s of sigs) process.on(s, on);
  return () => { for (const s of sigs) process.off(s, on); };
}

async function run(argv: string[], o: { name?: string; user?: string; cwd?: string; bg?: boolean }): Promise<number> {
  if (argv.length === 0) throw new CliError('run: usage: appinit run [--bg] [--name N] [--user U] [--cwd D] -- CMD ARGS...', EXIT.usage);
  const c = await client();
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v != null) env[k] = v;
  const r = await c.run({
    argv, name: o.name, user: o.user, cwd: o.cwd ?? process.cwd(), env, tty: tty || !!o.bg,
    // A terminal that does not know its size says 0 x 0 (a fresh pty): the job's pty keeps its default.
    rows: process.stdout.rows || undefined, cols: process.stdout.columns || undefined, hold: !o.bg,
    umask: currentUmask(), // as a shell's child inherits it (`umask 077; appinit run -- ...`)
  });
  if (o.bg) {
    process.stdout.write(`[${r.job}] ${r.pid ?? ''}\n`);
    return EXIT.ok;
  }
  // Attach first, then start: not one byte of output is missed.
  const a = (await attachment()).attach(c.home, r.id, via(c));
  await Promise.race([a.ready, a.done]);
  const unforward = tty ? () => undefined : forwardSignals(c, r.job);
  await c.startJob(r.id);
  a.relay();
  const end = await a.done;
  unforward();
  const code = await ending(end, r.job, r.command);
  const failed = await reported(c, end, r.job);
  // Its exec failed past run's own check (a #! interpreter missing or not executable): said as
  // bash says it, with bash's status (126: found but cannot run), not a silent 127.
  if (failed) {
    process.stderr.write(`appinit: ${failed.said}\n`);
    return failed.status;
  }
  return code;
}

// A job `run` ran in the foreground (ad hoc: never restarted by a policy) has had its status told
// by `run`: it is not listed again by `jobs`, nor taken by a later `wait -n` (bash forgets a
// foreground job once it has returned its status). Taken here as `wait %N` takes an ended job;
// the answer says whether its exec failed.
async function reported(c: Client, end: AttachEnd, job: number): Promise<{ said: string; status: number } | null> {
  if (end.kind !== 'exit') return null;
  try { return (await c.wait(`%${job}`)).execFailed ?? null; } catch { return null; /* gone already */ }
}

// bash's `jobs [-lprs] [jobspec ...]`: -r only running jobs, -s only stopped ones; with job specs
// only those, and a spec that names none is an error (the others are still listed, status 1).
async function jobs(specs: string[], o: { l?: boolean; p?: boolean; r?: boolean; s?: boolean; json?: boolean }): Promise<number> {
  const c = await client();
  // Listed without reporting: an ended job is reported (and forgotten) below only if its line
  // was printed, as bash marks a job notified only when it printed it.
  const all = await c.jobs({ keep: true });
  const { formatJobsLine } = await format();
  let code: number = EXIT.ok;
  let list = all;
  if (specs.length) {
    const current = all.find((j) => j.marker === '+')?.number ?? null;
    const previous = all.find((j) => j.marker === '-')?.number ?? null;
    list = [];
    for (const spec of specs) {
      try {
        const n = resolveJobSpec(spec, all, current, previous).number;
        list.push(all.find((j) => j.number === n)!);
      } catch (err) {
        if (!(err instanceof JobSpecError)) throw err;
        process.stderr.write(`appinit: jobs: ${err.message}\n`);
        code = EXIT.failure;
      }
    }
  }
  // -r and -s together: the last one given wins, as in bash (`jobs -rs` lists the stopped ones).
  if (o.r && o.s) {
    const flags = process.argv.slice(3).filter((a) => /^-[a-z]+$/.test(a)).join('');
    if (flags.lastIndexOf('r') > flags.lastIndexOf('s')) o.s = false;
    else o.r = false;
  }
  if (o.r) list = list.filter((j) => j.status.kind === 'running');
  if (o.s) list = list.filter((j) => j.status.kind === 'stopped');
  let out: string;
  if (o.json) out = JSON.stringify(list.map((j) => ({ ...j, line: formatJobsLine(j, false), longLine: formatJobsLine(j, true) })), null, 2) + '\n';
  // The process group leader's pid, as bash's; an ended job's when known, else no line at all.
  else if (o.p) out = list.flatMap((j) => { const pid = j.pid ?? j.pids[0]; return pid != null ? [`${pid}\n`] : []; }).join('');
  else out = list.map((j) => formatJobsLine(j, !!o.l) + '\n').join('');
  // One write, as a shell's stdio writes its buffer: `jobs | head -1` ends with status 0, not 141.
  // Reported only once it is written: a reader gone first (EPIPE) saw none of it. -p prints no
  // status, so it reports nothing (bash's jobs -p leaves a done job to be notified).
  const written = await new Promise<boolean>((resolve) => process.stdout.write(out, (err) => resolve(err == null)));
  const ended = o.p ? [] : list.filter((j) => j.status.kind === 'done' || j.status.kind === 'signalled');
  if (written && ended.length) await c.jobsReported([...new Set(ended.map((j) => j.id))]);
  return code;
}

async function fg(spec: string | undefined): Promise<number> {
  const c = await client();
  // Found, not continued yet: attached first, so that an end right after the continue (a stopped
  // job that only had to print a line) comes through the attachment instead of before it.
  const r = await c.fg(spec, { resume: false });
  // Raw only for a job on a pseudo-terminal: one started without a terminal reads a pipe, and a
  // raw terminal gave it neither Ctrl-C nor Ctrl-Z, and its output stair-cased (bare \n).
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true && r.tty;
  // Signals are the job's from the moment it is named here: a Ctrl-C as soon as the command line
  // shows reaches the job, not only this command.
  const unforward = tty ? () => undefined : forwardSignals(c, r.job);
  // The command line first, as bash prints it, before any output of the job: the attach below
  // writes the job's output as soon as it comes (and the terminal is still cooked here).
  process.stdout.write(`${r.command}\n`);
  const a = (await attachment()).attach(c.home, r.id, via(c), { raw: tty });
  await Promise.race([a.ready, a.done]);
  a.relay();
  let ended: Promise<AttachEnd> = a.done;
  try {
    await c.fg({ id: r.id });
    // Its leader ended before we were attached (or was adopted from an earlier helper): that end
    // comes from the daemon, which records it.
    if (a.live() === false) ended = Promise.race([a.done, endFromDaemon(c, r.job)]);
  } catch (err) {
    if (!(err instanceof AppinitError) || err.code !== 'not_running') throw err;
    ended = endFromDaemon(c, r.job);
  }
  let end = await ended;
  // The job's socket closed without its end (the helper let go of this terminal as the job
  // ended): the daemon has the end, unless another waiter reported it first.
  if (end.kind === 'lost') end = await endFromDaemon(c, r.job).catch(() => end);
  unforward();
  return ending(end, r.job, r.command);
}

// A job's end as the daemon recorded it (`wait %N`), as the attachment would have told it.
async function endFromDaemon(c: Client, job: number): Promise<AttachEnd> {
  const w = await c.wait(`%${job}`);
  const x = w.lastExit;
  if (!x) return { kind: 'exit', status: (w.status & 0xff) << 8 };
  return { kind: 'exit', status: x.signal != null ? x.signal | (x.core ? 0x80 : 0) : ((x.code ?? 1) & 0xff) << 8 };
}

async function bg(spec: string | undefined): Promise<number> {
  const c = await client();
  let r: { job: number; command: string };
  try {
    r = await c.bg(spec);
  } catch (err) {
    // bash warns and succeeds: the job runs in the background, as asked.
    if (!(err instanceof AppinitError) || err.code !== 'already_running') throw err;
    process.stderr.write(`appinit: bg: ${err.message}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`[${r.job}]+ ${r.command} &\n`); // as bash prints it
  return EXIT.ok;
}

// kill's arguments as bash takes them: -s SIG, -SIG, -N, -l, then targets.
function parseKill(args: string[]): { signal: string; targets: string[]; list: boolean } {
  let signal = 'TERM';
  const targets: string[] = [];
  let list = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (targets.length === 0 && (a === '-l' || a === '-L')) list = true;
    else if (targets.length === 0 && (a === '-s' || a === '-n')) {
      if (args[i + 1] == null) throw new CliError(`kill: ${a}: option requires an argument`, EXIT.usage);
      signal = args[++i];
    } else if (targets.length === 0 && a === '--') continue;
    else if (targets.length === 0 && /^-[A-Za-z0-9+]+$/.test(a)) signal = a.slice(1);
    else targets.push(a);
  }
  return { signal, targets, list };
}

const KILL_USAGE = 'kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec | program ... or kill -l';

async function kill(args: string[]): Promise<number> {
  // Options pass through for `kill -9 %1`, so help is asked for here (bash's `help kill`).
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(`${KILL_USAGE.replace(/^kill: usage: /, 'Usage: appinit ')}\n\nSend a signal (TERM unless given) to jobs (%N, %+, %-, %string, %?string: the job's process group),\nprograms by name (their jobs' process groups) or pids; kill -0 sends nothing, only checks that each is there;\nkill -l lists the signals, kill -l N names one.\n`);
    return EXIT.ok;
  }
  const k = parseKill(args);
  if (k.list) {
    const f = await format();
    if (!k.targets.length) process.stdout.write(f.killList() + '\n');
    else {
      try {
        process.stdout.write(f.killListOf(k.targets) + '\n');
      } catch (err) {
        throw new CliError(`kill: ${(err as Error).message}`);
      }
    }
    return EXIT.ok;
  }
  if (k.targets.length === 0) throw new CliError(KILL_USAGE, EXIT.usage);
  const c = await client();
  const r = await c.kill(k.targets, /^\d+$/.test(k.signal) ? Number(k.signal) : k.signal);
  let code: number = EXIT.ok;
  for (const x of r.results) {
    if (!x.ok) {
      process.stderr.write(`appinit: kill: ${x.error}\n`);
      code = EXIT.failure;
    }
  }
  return code;
}

// pkill [-SIG | --signal SIG] [-f] PATTERN, as procps takes them.
function parsePkill(args: string[]): { signal: string; full: boolean; pattern: string } {
  let signal = 'TERM';
  let full = false;
  let exact = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (rest.length > 0 || a === '--') rest.push(...(a === '--' ? args.slice(i + 1) : [a]));
    else if (a === '-f' || a === '--full') full = true;
    else if (a === '-x' || a === '--exact') exact = true; // procps: the whole name (or line) only
    else if (a === '-fx' || a === '-xf') { full = true; exact = true; }
    else if (a === '--signal' || a === '-s') {
      if (args[i + 1] == null) throw new CliError(`pkill: ${a}: option requires an argument`, EXIT.usage);
      signal = args[++i];
    } else if (/^-[A-Za-z0-9+]+$/.test(a)) signal = a.slice(1);
    else rest.push(a);
    if (a === '--') break;
  }
  if (rest.length !== 1) throw new CliError('pkill: usage: appinit pkill [-SIG] [-f] [-x] PATTERN (PATTERN matches process names; -f whole command lines; -x all of it)', EXIT.usage);
  return { signal, full, pattern: exact ? `^(?:${rest[0]})$` : rest[0] };
}

async function pkill(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write('Usage: appinit pkill [-SIG | --signal SIG] [-f] [-x] PATTERN\n\nSignal (TERM unless given) the processes of your jobs whose name matches PATTERN (an extended\nregular expression, as procps pkill); -f matches whole command lines, -x the whole name (or line) only. Exit 1 when none matched.\n');
    return EXIT.ok;
  }
  const o = parsePkill(args);
  // A name (comm) is at most 15 bytes: procps warns that a longer pattern cannot match it.
  if (!o.full && o.pattern.length > 15) {
    process.stderr.write("appinit: pkill: pattern that searches for process name longer than 15 characters will result in zero matches\nTry `appinit pkill -f' option to match against the complete command line.\n");
  }
  const c = await client();
  const r = await c.pkill(o.pattern, /^\d+$/.test(o.signal) ? Number(o.signal) : o.signal, o.full);
  // What was signalled, one line per process (pkill -e says "NAME killed (pid N)"); with -0
  // nothing was sent: only the status says whether any matched, as procps' pkill -0.
  if (o.signal !== '0') process.stdout.write(r.processes.map((p) => `${p.comm} (pid ${p.pid}, job %${p.job}): sent ${r.signal}\n`).join(''));
  // A match the caller may not signal (it became root), in procps' words.
  for (const p of r.refused ?? []) process.stderr.write(`appinit: pkill: killing pid ${p.pid} failed: ${p.error}\n`);
  return r.processes.length ? EXIT.ok : EXIT.failure; // as pkill: 1 when nothing matched or none could be signalled
}

// bash: `wait` alone waits for every job and returns 0; `wait JOB...` waits for each and returns
// the last one's status; `wait -n [JOB...]` the first to end, and its status (127: none).
async function wait(specs: string[], o: { n?: boolean }): Promise<number> {
  const c = await client();
  if (o.n) {
    const r = await c.waitAny(specs.length ? specs : undefined);
    for (const m of r.missing ?? []) process.stderr.write(`appinit: wait: ${m}\n`);
    return r.status;
  }
  if (specs.length === 0) {
    const r = await c.wait();
    // As bash: a stopped job is not waited for, and said so.
    for (const n of Array.isArray(r.stopped) ? r.stopped : []) process.stderr.write(`appinit: wait: job ${n} is stopped\n`);
    return r.status;
  }
  let status = 0;
  for (const spec of specs) {
    try {
      const r = await c.wait(spec);
      if (r.stopped === true) process.stderr.write(`appinit: wait: job ${r.job} is stopped\n`);
      status = r.status;
    } catch (err) {
      // bash goes on to the next id, and a missing one makes the status 127.
      if (!(err instanceof AppinitError) || err.code !== 'no_such_job') throw err;
      process.stderr.write(`appinit: wait: ${err.message}\n`);
      status = 127;
    }
  }
  return status;
}

/** Registers the job-control commands. */
export function registerJobCommands(program: Command, runner: Runner): void {
  program.command('run').description('run a command as a job in this terminal (Ctrl-Z stops it, Ctrl-\\ Ctrl-D detaches)')
    .option('--bg', 'start it in the background and print [N] PID').option('--name <name>', 'name of the job')
    .option('--user <user>', 'run as this user (root only)').option('--cwd <dir>', 'working directory')
    .argument('<command...>').passThroughOptions()
    .action((argv: string[], o) => runner(() => run(argv, o)));
  program.command('jobs [jobspec...]').description('list jobs as bash does (only the jobs named, when given)').option('-l', 'with pids').option('-p', 'pids only')
    .option('-r', 'only running jobs').option('-s', 'only stopped jobs').option('--json', 'print JSON')
    .action((specs: string[], o) => runner(() => jobs(specs, o)));
  program.command('fg [job]').description('bring a job to this terminal (continuing it if stopped)').action((spec) => runner(() => fg(spec)));
  program.command('bg [job]').description('continue a stopped job in the background').action((spec) => runner(() => bg(spec)));
  program.command('kill').description('send a signal to jobs (%N), pids or programs; kill -l lists signals')
    .allowUnknownOption().helpOption(false).argument('[args...]').action((args: string[]) => runner(() => kill(args)));
  program.command('pkill').description('signal the processes of your jobs whose name (-f: command line) matches PATTERN')
    .allowUnknownOption().helpOption(false).argument('[args...]').action((args: string[]) => runner(() => pkill(args)));
  program.command('wait [jobs...]').description('wait for jobs to end and exit with the last one\'s status; without JOB, for every job')
    .option('-n', 'wait for the first of them (or of every job) to end, and exit with its status')
    .action((specs: string[], o) => runner(() => wait(specs, o)));
}
