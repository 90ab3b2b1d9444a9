// Programs without a control file, as PM2 users expect: `start app.js --name api`,
// `start --name api -- CMD ARGS`, `delete`, `list`/`ls`, `describe`, `scale`. `start NAME...`
// (no --name, no "--", no script) still starts known programs.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mayExecute, shebang } from '../../os/interpreter.js';
import { basename, delimiter, extname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from '../args.js';
import type { ProgramDescription, ProgramRow } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { formatStatus } from '../format/status.js';
import { table } from '../format/table.js';
import { localTime } from '../format/units.js';
import { shortSignalName } from '../../core/supervisor/termination.js';
import type { Runner } from '../modules.js';
import { DEFAULT_WAIT_S, lifecycle, reportWait, up, waitSeconds } from './programs.js';

// As PM2 picks an interpreter by extension (`.sh`: bash, as PM2's); anything else is executed
// itself. A script's own `#!` line comes first (shebang).
const INTERPRETERS: Record<string, string> = { '.js': 'node', '.mjs': 'node', '.cjs': 'node', '.py': 'python3', '.sh': 'bash' };

/** The absolute path of a command on this PATH, or the command as given. */
export function which(cmd: string, path = process.env.PATH ?? ''): string {
  if (cmd.includes('/')) return resolve(cmd);
  for (const dir of path.split(delimiter)) {
    const f = join(dir || '.', cmd);
    try {
      if (statSync(f).isFile()) {
        accessSync(f, constants.X_OK);
        return isAbsolute(f) ? f : resolve(f);
      }
    } catch { /* next */ }
  }
  return cmd;
}

/** argv and default name for `start SCRIPT|CMD ARGS`: a script gets its interpreter by extension. */
export function adHocCommand(args: string[], interpreter?: string): { argv: string[]; name: string } {
  const [first, ...rest] = args;
  const ext = extname(first).toLowerCase();
  const isScript = existsSync(first) && statSync(first).isFile() && (ext in INTERPRETERS || first.includes('/') || interpreter != null);
  if (isScript) {
    const script = resolve(first);
    // Its `#!` line, as the kernel would read it: executed itself when it may be, else run by
    // the interpreter it names (a bash script given to sh crash-looped on its first array).
    // (A node script keeps the Node that runs this CLI, as before.)
    const bang = interpreter == null && INTERPRETERS[ext] !== 'node' ? shebang(script) : null;
    if (bang) return { argv: [...(mayExecute(script) ? [] : bang), script, ...rest], name: basename(first, extname(first)) };
    const interp = interpreter ?? INTERPRETERS[ext];
    // node: the one running this CLI, so the program gets the Node the user has.
    const lead = interp == null || interp === 'none' ? [] : [interp === 'node' ? process.execPath : which(interp)];
    return { argv: [...lead, script, ...rest], name: basename(first, extname(first)) };
  }
  return { argv: [which(first), ...rest], name: basename(first) };
}

interface StartOptions {
  name?: string;
  instances?: string;
  cwd?: string;
  env?: string[];
  restart?: string;
  user?: string;
  interpreter?: string;
  json?: boolean;
  wait?: boolean;
  waitTimeout?: string;
}

/** appinit start ...: an ad-hoc program, or known programs by name. */
export async function start(args: string[], o: StartOptions, dashDash: boolean): Promise<number> {
  const script = args.length > 0 && (args[0].includes('/') || extname(args[0]).toLowerCase() in INTERPRETERS) && existsSync(args[0]);
  if (o.name == null && !dashDash && !script) {
    const looksLikeScript = args.find((a) => a.includes('/') || extname(a).toLowerCase() in INTERPRETERS);
    try {
      return await lifecycle('start', args, !!o.json, waitSeconds(o, 'start'));
    } catch (err) {
      // `start app.js` with no app.js here: say that too, not only "no program named".
      if (looksLikeScript && (err as { code?: string }).code === 'not_found') throw new CliError(`start: no program named "${looksLikeScript}", and no file ${resolve(looksLikeScript)}`);
      throw err;
    }
  }
  if (args.length === 0) throw new CliError('start: give a script or -- COMMAND ARGS', EXIT.usage);
  const { argv, name } = adHocCommand(args, o.interpreter);
  const env: Record<string, string> = {};
  for (const kv of o.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`start: --env expects NAME=VALUE, got "${kv}"`, EXIT.usage);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const instances = o.instances != null ? Number(o.instances) : 1;
  if (!Number.isInteger(instances) || instances < 1) throw new CliError(`start: -i expects a whole number >= 1, got "${o.instances}"`, EXIT.usage);
  const restart = (o.restart ?? 'always') as 'always' | 'on-failure' | 'never';
  const c = await client();
  const wait = waitSeconds(o, 'start');
  const jobs = await c.startProgram({ name: o.name ?? name, argv, cwd: resolve(o.cwd ?? '.'), env, instances, restart, user: o.user });
  process.stdout.write(o.json ? JSON.stringify(jobs, null, 2) + '\n' : formatStatus(jobs) + '\n');
  if (wait != null && jobs[0]) return reportWait(await c.waitUp([jobs[0].name], wait), 'start');
  return EXIT.ok;
}

/** The `list` table. */
export function formatPrograms(rows: ProgramRow[]): string {
  if (rows.length === 0) return 'no programs (appinit up FILE, or appinit start SCRIPT --name NAME)';
  return table(
    ['NAME', 'SOURCE', 'GROUP', 'INST', 'RUNNING', 'STATE', 'PIDS', 'RESTARTS', 'COMMAND'],
    rows.map((r) => [r.name, r.source, r.group ?? '-', String(r.instances), String(r.running), r.state, r.pids.join(',') || '-', String(r.restarts), r.command]),
    ['INST', 'RUNNING', 'RESTARTS'],
  );
}

/** The `describe` text: one "key: value" per line, then the jobs. */
export function formatDescription(d: ProgramDescription): string {
  const p = d.program;
  const opt = <T>(v: T | null | undefined, f: (x: T) => string = String) => (v == null ? '-' : f(v));
  const lines = [
    `name:       ${d.name}${d.adHoc ? ' (started with appinit start)' : ''}`,
    `source:     ${d.adHoc ? 'appinit start' : `${p.source.file}:${p.source.line}:${p.source.col}`}`,
    `command:    ${p.commandText}`,
    `cwd:        ${p.cwd}`,
    `user:       ${opt(p.user)}${p.unixGroup ? `:${p.unixGroup}` : ''}`,
    `group:      ${opt(p.group)}   priority: ${p.priority}${p.after?.length ? `   after: ${p.after.join(', ')}` : ''}`,
    `instances:  ${p.instances}   restart: ${p.restart}   restarts: ${d.restarts}`,
    `env:        ${Object.keys(p.env).join(' ') || '-'}${p.envFile ? `   (env_file ${p.envFile})` : ''}`,
    `pids:       ${d.pids.join(' ') || '-'}`,
    `logs:       stdout ${opt(d.logs.stdout)}   stderr ${opt(d.logs.stderr)}`,
    `limits:     pids ${opt(p.limits?.pids)}   memory ${opt(p.limits?.memory)}   cpu ${opt(p.limits?.cpu, (c) => `${c}%`)}   maxMemory ${opt(p.maxMemory)}`,
    `rlimits:    ${Object.entries(p.rlimits ?? {}).map(([k, v]) => `${k}=${v.soft ?? 'unlimited'}:${v.hard ?? 'unlimited'}`).join(' ') || '-'}`,
    `health:     ${p.health ? `${p.health.kind} ${[p.health.target].flat().join(' ')} every ${p.health.every}ms` : '-'}`,
    // Sockets (issue 12): only for programs that use them.
    ...(p.ready === 'notify' || p.listen?.length || p.fdStore || p.grants?.length ? [
      `ready:      ${p.ready === 'notify' ? 'notify (READY=1 on $NOTIFY_SOCKET)' : `${p.ready}ms`}   fd_store: ${p.fdStore ?? 0}`,
      `listen:     ${(p.listen ?? []).map((l) => `${l.name}=${l.url}`).join(' ') || '-'}`,
      `grants:     ${(p.grants ?? []).join(' ') || '-'}`,
    ] : []),
    `last exits: ${d.lastExits.length ? '' : '-'}`,
    // In the words and the time zone of status and acct: `signal 6 (ABRT), core dumped`.
    ...d.lastExits.map((e) => `  pid ${e.pid} at ${e.end != null ? localTime(e.end * 1000) : '?'}: ${e.signal != null ? `signal ${e.signal} (${shortSignalName(e.signal)})${e.core ? ', core dumped' : ''}${e.note === 'out of memory' ? ', out of memory' : ''}` : e.code != null ? `exit(${e.code})` : 'unknown (no parent of ours waited for it)'}`),
    '',
    formatStatus(d.jobs),
  ];
  return lines.join('\n');
}

/** Registers up, start, delete, list/ls, describe and scale. */
export function registerProgramCommands(program: Command, run: Runner): void {
  program.command('up [file]').description('load a control file (without FILE: appinit.yaml here, else the file loaded last)')
    .option('--dry-run', 'show what would change; change nothing')
    .option('--wait', 'return once every program it started is running (ready), or exit 1 naming those that failed')
    .option('--wait-timeout <duration>', `how long --wait waits (default ${DEFAULT_WAIT_S} s; 30s, 5m)`)
    .action((file, o) => run(() => up(file, { dryRun: !!o.dryRun, wait: waitSeconds(o) })));
  program.command('start [args...]').description('start programs by name, or a script or command as a new program: start app.js --name api [-- ARGS], start --name api -- CMD ARGS')
    .option('--name <name>', 'name of the new program').option('-i, --instances <n>', 'instances of the new program')
    .option('--cwd <dir>', 'its working directory (default: here)').option('--env <NAME=VALUE...>', 'environment variables')
    .option('--restart <policy>', 'always (default), on-failure or never').option('--user <user>', 'run as this user (root only)')
    .option('--interpreter <cmd>', 'run the script with this (default by extension: node, python3, sh; none: execute it)')
    .option('--json', 'print JSON')
    .option('--wait', 'return once each is running (ready), or exit 1 naming those that failed, as supervisorctl start waits')
    .option('--wait-timeout <duration>', `how long --wait waits (default ${DEFAULT_WAIT_S} s; 30s, 5m)`)
    .action((args: string[], o: StartOptions) => run(() => start(args, o, process.argv.includes('--'))));
  program.command('delete <names...>').alias('del').description('stop and forget programs started with appinit start')
    .action((names: string[]) => run(async () => {
      const r = await (await client()).deletePrograms(names);
      process.stdout.write(r.deleted.map((n) => `- ${n} (deleted)`).join('\n') + '\n');
      return EXIT.ok;
    }));
  program.command('list').alias('ls').description('one line per program: source, instances, pids, restarts').option('--json', 'print JSON')
    .action((o) => run(async () => {
      const rows = await (await client()).programs();
      process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + '\n' : formatPrograms(rows) + '\n');
      return EXIT.ok;
    }));
  program.command('describe <name>').description('everything known about a program: spec, state, pids, restarts, last exits, logs, limits')
    .option('--json', 'print JSON')
    .action((name: string, o) => run(async () => {
      const d = await (await client()).describe(name);
      process.stdout.write(o.json ? JSON.stringify(d, null, 2) + '\n' : formatDescription(d) + '\n');
      return EXIT.ok;
    }));
  program.command('scale <name> <n>').description('set the number of instances of a program started with appinit start')
    .action((name: string, n: string) => run(async () => {
      if (!/^\d+$/.test(n)) throw new CliError(`scale: expected a whole number of instances, got "${n}"`, EXIT.usage);
      const r = await (await client()).scale(name, Number(n));
      process.stdout.write(`${name}: ${r.from} -> ${r.to} instances\n${formatStatus(r.jobs)}\n`);
      return EXIT.ok;
    }));
}
