// The scheduling commands: at, atq, atrm, crontab, cron next, cron list.
import type { Command } from '../args.js';
import type { Runner } from '../modules.js';
import { at, atq, atrm, batch } from './at.js';
import { cronList, cronNext } from './cron.js';
import { crontab } from './crontab.js';

/** Adds the scheduling commands. */
export function registerScheduleCommands(program: Command, run: Runner): void {
  program.command('at [timespec...]')
    .description('run commands once at a time (from stdin, -f FILE, or after --), as the caller, where and with what environment they were queued')
    .option('-f, --file <file>', 'read the commands from FILE')
    .option('-q, --queue <letter>', 'queue letter a-z or A-Z (default a)')
    .option('-c, --cat', 'print the job files of the job numbers given')
    .option('-l, --list', 'list queued jobs, as atq')
    .option('-r, --remove', 'remove the job numbers given, as atrm')
    .option('-d', 'same as -r')
    .option('--resolve', 'print the time TIMESPEC names (ISO 8601 with offset) and queue nothing')
    .option('--from <time>', 'with --resolve: read TIMESPEC as if it were TIME')
    .option('--tz <zone>', 'read TIMESPEC in this zone (default $TZ, else the system zone)')
    .option('--json', 'print the queued job as JSON on stdout')
    .option('-b, --batch', 'as batch: queue b, run when the load average permits')
    .option('-m', 'mail the user when the job has run (no mail is sent: its output is in appinit logs)')
    .option('-M', 'never mail the user (appinit never does)')
    .option('-v', 'show the time the job will run before reading it')
    .option('-t <time>', 'run at [[CC]YY]MMDDhhmm[.SS] (POSIX, as touch -t) instead of a TIMESPEC; may be past: runs at once')
    .action((timespec: string[], o) => run(() => at(timespec, o, process.argv)));
  program.command('batch')
    .description('run commands (from stdin, -f FILE, or after --) once the load average permits: at -q b now')
    .option('-f, --file <file>', 'read the commands from FILE')
    .option('-q, --queue <letter>', 'queue: b (default) or an uppercase letter; lowercase ones other than b are not batch queues')
    .option('-m', 'mail the user when the job has run (no mail is sent: its output is in appinit logs)')
    .option('-M', 'never mail the user (appinit never does)')
    .option('--json', 'print the queued job as JSON on stdout')
    .argument('[nothing...]')
    .action((rest: string[], o) => run(() => batch(rest, o, process.argv)));
  program.command('atq').description('list queued at jobs (running ones in queue "=")')
    .option('-q, --queue <letter>', 'only this queue').option('--json', 'print JSON')
    .action((o) => run(() => atq(o.queue, !!o.json)));
  program.command('atrm <ids...>').description('remove queued at jobs')
    .action((ids: string[]) => run(() => atrm(ids)));
  program.command('crontab [file]').description('install a crontab from FILE (or stdin), or -l list, -e edit, -r remove it')
    .option('-u, --user <user>', 'the crontab of USER (root only)')
    .option('-l, --list', 'print the crontab')
    .option('-e, --edit', 'edit the crontab with $VISUAL or $EDITOR (vi), then install it')
    .option('-r, --remove', 'remove the crontab')
    .option('-i, --interactive', 'with -r: ask before removing (y/n)')
    .action((file: string | undefined, o) => run(() => crontab(file, o)));
  const cron = program.command('cron').description('cron expressions and the schedules the daemon runs');
  cron.command('next <expr>').description('print the next runs of a cron expression, one ISO 8601 time with offset per line')
    .option('-n, --count <n>', 'how many', '5').option('--tz <zone>', 'zone (default $TZ, else the system zone)')
    .option('--from <time>', 'count from TIME instead of now')
    .action((expr: string, o) => run(() => cronNext(expr, o)));
  cron.command('list').description('every schedule: crontab entries, cron and at programs, with next and last run')
    .option('--json', 'print JSON')
    .action((o) => run(() => cronList(!!o.json)));
}
