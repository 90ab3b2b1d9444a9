// The supervisor's own verbs (daemon, stop, restart, signal, info, down, status, acct): every
// action imports its code when it runs, so registering them costs a command's start nothing.
import type { Command } from './args.js';
import type { Runner } from './modules.js';
import { keepRunning } from './run.js';

/** The verbs registerCore defines. */
export const CORE_VERBS = ['daemon', 'stop', 'restart', 'signal', 'info', 'down', 'status', 'acct'];

/** Adds the supervisor's own commands to the program. */
export function registerCore(program: Command, run: Runner): void {
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
      if (!o.once) keepRunning();
      run(async () => {
        const d = await import('./commands/daemon.js');
        return o.once ? d.runOnce(file, !!o.aps) : d.runDaemon(file, !!o.background);
      });
    });
  // `up` and `start` (which also starts ad-hoc programs) are registered by commands/adhoc.ts.
  program.command('stop <names...>').description('stop programs (or all)').option('--json', 'print JSON')
    .action((names, o) => run(async () => (await programs()).lifecycle('stop', names, !!o.json)));
  program.command('restart <names...>').description('restart programs (or all)').option('--json', 'print JSON')
    .option('--wait', 'return once each is running (ready) again, or exit 1 naming those that failed')
    .option('--wait-timeout <duration>', 'how long --wait waits (default 90 s; 30s, 5m)')
    .action((names, o) => run(async () => { const p = await programs(); return p.lifecycle('restart', names, !!o.json, p.waitSeconds(o, 'restart')); }));
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
