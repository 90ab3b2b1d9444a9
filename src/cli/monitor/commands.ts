// The monitoring commands: ps, pstree, top, stat, history, times. (`acct` and `status
// --history` are registered in main.ts with acctCommand and historyCommand.)
import type { Command } from '../args.js';
import type { Runner } from '../modules.js';

// Each command's code is loaded when it runs: every CLI start pays for what it imports.
const load = {
  ps: () => import('./ps.js'),
  pstree: () => import('./pstree.js'),
  top: () => import('./top.js'),
  stat: () => import('./stat.js'),
  history: () => import('./history.js'),
  times: () => import('./times.js'),
  monit: () => import('./monit.js'),
};

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Adds the monitoring commands to the program. */
export function registerMonitorCommands(program: Command, run: Runner): void {
  program.command('ps [bsd]').description('processes of appinit\'s jobs (-e, or ps aux / ax: every process) as procps ps shows them, with a JOB column')
    .addHelpText('after', '\nBSD letters, as procps takes them (ps aux, ps -aux, ps ax, ps u, ps x): a and x together select every process,\na alone every process with a terminal; u is the user format (USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND),\nwithout it the BSD format (PID TTY STAT TIME COMMAND); j the jobs format (PPID PID PGID SID TTY TPGID STAT UID TIME COMMAND);\nf draws the forest (ps auxf, ps axjf); w does not cut lines. Lines are cut to the terminal width, or to COLUMNS when it is set\n(also when piped, as procps); never otherwise.')
    .option('-a', 'BSD a (as in ps -aux)')
    .option('-u [users]', 'BSD u (as in ps -aux); with users, the processes of these effective users, any on the machine (as ps -u root,www)')
    .option('-U <users>', 'the processes of these real users (as ps -U root)', collect)
    .option('-x', 'BSD x (as in ps -aux)')
    .option('-e, --every', 'every process on the machine (as ps -e)')
    .option('-A', 'the same as -e')
    .option('-f, --full', 'full format (ps -f)')
    .option('-l, --long', 'long format (ps -l; -lf for both)')
    .option('-o, --format <cols>', 'columns as ps -o, e.g. pid,ppid,stat,comm (repeatable)', collect)
    .option('-p, --pid <pids>', 'the processes with these ids, any on the machine (as ps -p 1,2; repeatable)', collect)
    .option('-C <names>', 'the processes with these command names (as ps -C nginx; repeatable)', collect)
    .option('--ppid <pids>', 'the children of these processes (repeatable)', collect)
    .option('-j', 'the jobs format (PID PGID SID TTY TIME CMD; -fj adds UID PPID C STIME)')
    .option('--forest', 'children under their parents, drawn as ps --forest does (also the BSD letter f: ps axjf)')
    .option('-H', 'children under their parents, indented (ps -H)')
    .option('--sort <keys>', 'order by these -o names, - for descending: --sort=-pcpu,pid (repeatable)', collect)
    .option('-w', 'do not cut lines to the terminal or COLUMNS width')
    .option('--no-headers', 'no header line')
    .option('--no-heading', 'the same as --no-headers')
    .option('--zombies', 'zombies, each with the parent that has not waited for it')
    .option('--json', 'print JSON')
    .action((bsd, o) => run(async () => {
      const ps = await load.ps();
      // -u alone is BSD u; -u NAMES a selection, unless what follows (as in -aux) is BSD letters and no user.
      const users = typeof o.u === 'string' ? ps.usersOrLetters(o.u) : null;
      const letters = bsdLetters(bsd, { ...o, u: o.u === true }, users?.letters);
      return ps.psCommand({ ...o, command: o.C, every: !!(o.every || o.A), bsd: letters, users: users?.users, realUsers: o.U, jobsFormat: !!o.j, hierarchy: !!o.H, wide: !!o.w });
    }));
  program.command('pstree [target]').description('process trees (of the jobs; or from PID, or of the program NAME / %N), jobs marked (%N)')
    .option('-p, --show-pids', 'show pids (and thread ids) in parentheses; no folding of identical subtrees')
    .option('-A, --ascii', 'draw with ASCII lines (the default)')
    .option('-U, --unicode', 'draw with Unicode lines')
    .option('-l, --long', 'do not cut long lines')
    .option('-T, --hide-threads', 'do not show threads')
    .option('--json', 'print JSON')
    .action((target, o) => run(async () => (await load.pstree()).pstreeCommand(target, { ...o, threads: !o.hideThreads })));
  program.command('top').description('live view of processes (keys: P cpu, M memory, j jobs only, k signal, q quit); -b for batch frames')
    .option('-b, --batch', 'print frames (the default when stdout is not a terminal)')
    .option('-n, --iterations <n>', 'stop after N frames')
    .option('-d, --delay <seconds>', 'seconds between frames', '3')
    .option('-j, --jobs', 'only appinit\'s jobs\' processes')
    .option('-o, --sort <field>', 'sort by %CPU, %MEM, TIME+ or PID')
    .option('-p, --pid <pids>', 'only these processes (as top -p 1,2; repeatable)', collect)
    .option('-u, --user <user>', 'only the processes of this effective user, a name or an id (as top -u root)')
    .action((o) => run(async () => (await load.top()).topCommand(o)));
  program.command('stat [interval] [count]').description('vmstat lines (first since boot); -s, -t as vmstat; -u as sar -u; --iostat, -c, -d as iostat')
    .option('-t, --timestamp', 'a timestamp on each line (vmstat -t)')
    .option('-s, --stats', 'event counters and memory statistics (vmstat -s)')
    .option('-u, --sar', 'CPU utilisation every INTERVAL, COUNT times, then the Average: line (sar -u)')
    .option('--iostat', 'CPU and device reports (iostat)')
    .option('-c', 'the CPU report only (iostat -c)')
    .option('-d, --io', 'the device report only (iostat -d)')
    .option('--json', 'one JSON object (or array, with --io) per line')
    .action((interval, count, o) => run(async () => (await load.stat()).statCommand(interval, count, o)));
  program.command('history <name>').description('CPU and memory the daemon sampled for a program\'s jobs')
    .option('--limit <n>', 'only the last N samples')
    .option('--json', 'print JSON')
    .action((name, o) => run(async () => (await load.history()).historyCommand(name, o)));
  program.command('monit').description('live per-program CPU, memory and last log lines, as pm2 monit (q quits); -b for batch frames')
    .option('-b, --batch', 'print frames (the default when stdout is not a terminal)')
    .option('-n, --iterations <n>', 'stop after N frames')
    .option('-d, --delay <seconds>', 'seconds between frames', '2')
    .option('--lines <n>', 'last log lines per program', '5')
    .action((o) => run(async () => (await load.monit()).monitCommand(o)));
  program.command('times').description('CPU of the daemon and of its ended children (times(2)), and per program')
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await load.times()).timesCommand(o)));
}

// `ps aux` and `ps -aux` alike: the BSD letters given, or undefined when none was.
function bsdLetters(bsd: string | undefined, o: { a?: boolean; u?: boolean; x?: boolean }, more = ''): string | undefined {
  const flags = `${o.a ? 'a' : ''}${o.u ? 'u' : ''}${o.x ? 'x' : ''}${more}`;
  return bsd != null || flags ? `${bsd ?? ''}${flags}` : undefined;
}
