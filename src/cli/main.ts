#!/usr/bin/env node
// appinit: one verb per command; each parses, makes one client call, prints, exits.
// A start pays only for what its verb uses: the verb picks one group of commands, and every
// action imports its own code when it runs (bench/cli.ts measures the start against `node -e 0`).
import { Command, CommanderError } from './args.js';
import { EXIT, report } from './context.js';
import { COMMAND_GROUPS, type RegisterCommands, type Runner } from './modules.js';
import { packageVersion } from '../api/package-version.js';

/** Exit status of a command whose reader went away (`| head -1`), as the shell reports a SIGPIPE death. */
export const EXIT_PIPE = 128 + 13;

// A closed pipe ends the command quietly, whichever stream and whichever command.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_PIPE);
    if (s === process.stdout) process.stderr.write(`appinit: stdout: ${err.message}\n`);
    process.exit(1);
  });
}

let result: Promise<number> | null = null;
// The daemon's output goes to its log through its own streams; it ends without process.exit.
let exitWhenDone = true;
const run: Runner = (f) => { result = f(); };

const core = async (): Promise<RegisterCommands> => registerCore;
const CORE_VERBS = ['daemon', 'stop', 'restart', 'signal', 'info', 'down', 'status', 'acct'];
// Which group defines each verb; a verb not listed (or --help) loads every group.
const GROUP = new Map<string, () => Promise<RegisterCommands>>(CORE_VERBS.map((v) => [v, core]));
for (const g of COMMAND_GROUPS) for (const v of g.verbs) GROUP.set(v, g.load);
const ALL = [core, ...COMMAND_GROUPS.map((g) => g.load)];

function registerCore(program: Command, run: Runner): void {
  const programs = () => import('./commands/programs.js');
  const show = () => import('./commands/show.js');
  program.command('daemon [file]').description('run the daemon in the foreground, loading FILE if given')
    .option('--background', 'run as the background daemon other commands start')
    .option('--system', 'the system daemon: every user\'s jobs, socket /run/appinit/appinit.sock (root only; APPINIT_SYSTEM_HOME=DIR puts it all under DIR)')
    .option('--once', 'the article\'s appinit: start FILE\'s programs, report each end, exit when all have ended')
    .option('--aps', 'with --once: print the aps table before each wait, as the article does')
    .action((file, o) => {
      // The daemon's output goes to its log through its own streams: it ends without process.exit
      // (--once is a command like the others: it exits when its programs have ended).
      if (!o.once) exitWhenDone = false;
      run(async () => {
        const d = await import('./commands/daemon.js');
        return o.once ? d.runOnce(file, !!o.aps) : d.runDaemon(file, !!o.background);
      });
    });
  // `up` and `start` (which also starts ad-hoc programs) are registered by commands/adhoc.ts.
  for (const verb of ['stop', 'restart'] as const) {
    program.command(`${verb} <names...>`).description(`${verb} programs (or all)`).option('--json', 'print JSON')
      .action((names, o) => run(async () => (await programs()).lifecycle(verb, names, !!o.json)));
  }
  program.command('signal <sig> <names...>').description('send a signal to programs\' process groups')
    .action((sig, names) => run(async () => (await programs()).signal(sig, names)));
  program.command('info').description('the daemon\'s pid, its supervise helper\'s, home and version').option('--json', 'print JSON')
    .action((o) => run(async () => (await show()).info(!!o.json)));
  program.command('down').description('stop every job, then the daemon').action(() => run(async () => (await programs()).down()));
  program.command('status [names...]').description('show programs and their jobs (names, globs, GROUP:*, %N)').option('--json', 'print JSON')
    .option('--history', 'the CPU and memory the daemon sampled for NAME\'s jobs')
    .option('--aps', 'the seed article\'s aps table: TTY, COMMAND, PID or <terminated>')
    .action((names: string[], o) => run(async () => (o.history
      ? (await import('./monitor/history.js')).historyCommand(names[0], { json: !!o.json })
      : (await show()).status(names, !!o.json, !!o.aps))));
  // `logs` and `tail` are registered by commands/logs.ts.
  program.command('acct [name]').description('accounting records of ended processes, newest last; --summary: per command, as sa').option('--json', 'print JSON')
    .option('--limit <n>', 'only the last N').option('--command <cmd>', 'only this command')
    .option('--program <name>', 'only this program').option('--user <user>', 'only this user\'s processes')
    .option('--since <time>', 'ended at or after TIME (ISO 8601, "YYYY-MM-DD[ HH:MM]", or an age like -1h, -30m)')
    .option('--until <time>', 'ended at or before TIME')
    .option('-s, --summary', 'one line per command, as sa').option('--by <key>', 'summarise by command, user or program')
    .option('--pacct <file>', 'write the records as the kernel\'s acct_v3 file (lastcomm -f, sa, dump-acct read it)')
    .action((name, o) => run(async () => (await import('./monitor/acct.js')).acctCommand(name, o)));
}

// The first word that is not an option names the verb (`appinit --version` has none).
function verbOf(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

// `--system` anywhere before `--`: talk to (for `daemon`: be) the system daemon, as APPINIT_SYSTEM=1.
function takeSystemFlag(argv: string[]): void {
  const end = argv.indexOf('--');
  const at = argv.findIndex((a, i) => i > 1 && a === '--system' && (end < 0 || i < end));
  if (at < 0) return;
  argv.splice(at, 1);
  process.env.APPINIT_SYSTEM = '1';
}

async function main(): Promise<number> {
  takeSystemFlag(process.argv);
  const program = new Command();
  program.name('appinit').description('init for applications: supervise, schedule and account for processes').version(packageVersion());
  program.exitOverride();
  program.enablePositionalOptions(); // so `run -- CMD --flags` leaves the command's own options alone
  // Only for --help: main() has already taken --system out of argv (takeSystemFlag).
  program.option('--system', 'talk to the system daemon (as APPINIT_SYSTEM=1); with daemon: be it');
  program.configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `appinit: ${s.slice(7)}` : s) });
  const verb = verbOf(process.argv);
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  const version = verb === undefined && (process.argv.includes('--version') || process.argv.includes('-V'));
  const mine = verb === undefined ? undefined : GROUP.get(verb);
  const groups = version ? [] : mine && !help ? [mine] : ALL;
  for (const g of groups) (await g())(program, run);
  try {
    await program.parseAsync(process.argv);
    return await (result ?? Promise.resolve(EXIT.ok));
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err);
  }
}

// Resolves once everything written so far has left the process (pipes are written asynchronously).
function drained(s: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => (s.writable ? s.write('', () => resolve()) : resolve()));
}

void main().then(async (code) => {
  process.exitCode = code;
  if (!exitWhenDone) return;
  // Exit only once stdout and stderr are drained: `| wc -l` sees every line.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
});
