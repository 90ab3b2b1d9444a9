#!/usr/bin/env node
// appinit: one verb per command; each parses, makes one client call, prints, exits.
import { Command, CommanderError } from 'commander';
import { EXIT, report } from './context.js';
import { down, lifecycle, signal } from './commands/programs.js';
import { info, status } from './commands/show.js';
import { registerLogCommands } from './commands/logs.js';
import { acctCommand } from './monitor/acct.js';
import { historyCommand } from './monitor/history.js';
import { COMMAND_MODULES } from './modules.js';

const program = new Command();
program.name('appinit').description('init for applications: supervise, schedule and account for processes').version('0.1.0');
program.exitOverride();
program.enablePositionalOptions(); // so `run -- CMD --flags` leaves the command's own options alone
program.configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `appinit: ${s.slice(7)}` : s) });

let result: Promise<number> = Promise.resolve(EXIT.ok);
const run = (f: () => Promise<number>) => { result = f(); };

program.command('daemon [file]').description('run the daemon in the foreground, loading FILE if given')
  .option('--background', 'run as the background daemon other commands start')
  .option('--once', 'the article\'s appinit: start FILE\'s programs, report each end, exit when all have ended')
  .option('--aps', 'with --once: print the aps table before each wait, as the article does')
  .action((file, o) => run(async () => {
    const d = await import('./commands/daemon.js');
    return o.once ? d.runOnce(file, !!o.aps) : d.runDaemon(file, !!o.background);
  }));
// `up` and `start` (which also starts ad-hoc programs) are registered by commands/adhoc.ts.
for (const verb of ['stop', 'restart'] as const) {
  program.command(`${verb} <names...>`).description(`${verb} programs (or all)`).option('--json', 'print JSON')
    .action((names, o) => run(() => lifecycle(verb, names, !!o.json)));
}
program.command('signal <sig> <names...>').description('send a signal to programs\' process groups')
  .action((sig, names) => run(() => signal(sig, names)));
program.command('info').description('the daemon\'s pid, its supervise helper\'s, home and version').option('--json', 'print JSON')
  .action((o) => run(() => info(!!o.json)));
program.command('down').description('stop every job, then the daemon').action(() => run(() => down()));
program.command('status [names...]').description('show programs and their jobs (names, globs, GROUP:*, %N)').option('--json', 'print JSON')
  .option('--history', 'the CPU and memory the daemon sampled for NAME\'s jobs')
  .option('--aps', 'the seed article\'s aps table: TTY, COMMAND, PID or <terminated>')
  .action((names: string[], o) => run(() => (o.history ? historyCommand(names[0], { json: !!o.json }) : status(names, !!o.json, !!o.aps))));
registerLogCommands(program, run);
program.command('acct [name]').description('accounting records of ended processes, newest last; --summary: per command, as sa').option('--json', 'print JSON')
  .option('--limit <n>', 'only the last N').option('--command <cmd>', 'only this command')
  .option('--program <name>', 'only this program').option('--user <user>', 'only this user\'s processes')
  .option('--since <time>', 'ended at or after TIME (ISO 8601, "YYYY-MM-DD[ HH:MM]", or an age like -1h, -30m)')
  .option('--until <time>', 'ended at or before TIME')
  .option('-s, --summary', 'one line per command, as sa').option('--by <key>', 'summarise by command, user or program')
  .option('--pacct <file>', 'write the records as the kernel\'s acct_v3 file (lastcomm -f, sa, dump-acct read it)')
  .action((name, o) => run(() => acctCommand(name, o)));

for (const register of COMMAND_MODULES) register(program, run);

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err);
  }
  try {
    return await result;
  } catch (err) {
    return report(err);
  }
}

main().then((code) => {
  process.exitCode = code;
  // Commands end when their work is done; the daemon ends when its `done` resolves.
  if (!process.argv.includes('daemon') || process.argv.includes('--once')) setImmediate(() => process.exit(code));
});
