// The Program a scheduled run executes: an at job (its job file read by /bin/sh on stdin) or a
// crontab entry ($SHELL -c command in cron's small environment). Pure: no files, no clock.
import { DEFAULTS, RESOURCE_DEFAULTS, SOCKET_DEFAULTS, type InputSource, type Program } from '../../config/program.js';
import { quoteArg as shQuote } from '../../config/split.js';
import type { CrontabEntry } from '../../schedule/index.js';

// at leaves these out of the job file: they describe the terminal and shell it was queued from.
const AT_SKIP = new Set(['TERM', 'DISPLAY', '_', 'SHELLOPTS', 'BASH_VERSINFO', 'EUID', 'GROUPS', 'PPID', 'UID']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment at keeps: names sh can export, less what belongs to a terminal. */
export function atEnvironment(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (NAME.test(k) && !AT_SKIP.has(k) && typeof v === 'string') out[k] = v;
  return out;
}

/** What an at job file says, as Debian's at writes it: identity, umask, environment, directory, script. */
export interface AtJobText {
  uid: number;
  gid: number;
  umask: number | null;
  env: Record<string, string>;
  cwd: string;
  script: string;
}

/** The job file (what `at -c` prints and /bin/sh reads on stdin). */
export function renderAtScript(j: AtJobText): string {
  const lines = ['#!/bin/sh', `# atrun uid=${j.uid} gid=${j.gid}`];
  if (j.umask != null) lines.push(`umask ${j.umask.toString(8)}`);
  for (const [k, v] of Object.entries(atEnvironment(j.env))) lines.push(`${k}=${shQuote(v)}; export ${k}`);
  lines.push(`cd ${shQuote(j.cwd)} || {`, "\t echo 'Execution directory inaccessible' >&2", '\t exit 1', '}');
  const script = j.script.endsWith('\n') || j.script === '' ? j.script : j.script + '\n';
  return lines.join('\n') + '\n' + script;
}

/** The first line of a script, for `status` and `atq --json` (the rest stays private to its owner). */
export function summary(script: string): string {
  const body = script.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (body.length === 0) return '(empty)';
  return body.length > 1 ? `${body[0]} …` : body[0];
}

function base(name: string, file: string, line: number): Omit<Program, 'argv' | 'commandText' | 'cwd' | 'env' | 'user' | 'umask' | 'stdin' | 'schedule' | 'missed'> {
  return {
    ...RESOURCE_DEFAULTS, ...SOCKET_DEFAULTS, name, shell: true, envMode: 'replace', group: null, stdout: { kind: 'log' }, stderr: { kind: 'log' }, tty: false,
    instances: 1, restart: 'never', successCodes: [0], backoff: DEFAULTS.backoff, crashLoop: DEFAULTS.crashLoop,
    ready: DEFAULTS.ready, stopSignal: DEFAULTS.stopSignal, stopTimeout: DEFAULTS.stopTimeout, overlap: 'allow',
    autostart: false, log: DEFAULTS.log, priority: DEFAULTS.priority, after: [], health: null, maxMemory: null, watch: null,
    source: { file, line, col: 1 },
  };
}

const input = (path: string | null): InputSource => (path ? { kind: 'file', path } : { kind: 'null' });

/** Options for an at job's program. */
export interface AtRun {
  id: number;
  spec: string;
  /** the user to run as, or null for the daemon's own user */
  user: string | null;
  env: Record<string, string>;
  umask: number | null;
  /** the script's summary, for status */
  command: string;
  /** the job file, given on stdin */
  spool: string;
}

/**
 * An at job's program: `at-ID`, /bin/sh reading the job file on stdin with the captured
 * environment. It starts in "/": the job file's own `cd` enters the captured directory, so a
 * directory gone or closed to the user gives at's message in the job's log, not a spawn failure.
 */
export function atProgram(a: AtRun): Program {
  return {
    ...base(`at-${a.id}`, `at:${a.id}`, 1),
    argv: ['/bin/sh'], commandText: a.command, cwd: '/', env: atEnvironment(a.env), user: a.user, umask: a.umask,
    stdin: input(a.spool), schedule: { kind: 'at', spec: a.spec }, missed: 'run-once',
  };
}

/** Who a crontab belongs to. */
export interface CronOwner {
  name: string;
  home: string;
  /** the user to run as, or null for the daemon's own user */
  runAs: string | null;
}

/** The name of a crontab entry's jobs: `cron-USER-LINE`. */
export function cronJobName(user: string, line: number): string {
  return `cron-${user}-${line}`;
}

/**
 * A crontab entry's program, as cronie runs it: $SHELL (default /bin/sh) -c command, in $HOME,
 * with cron's environment (SHELL, HOME, PATH=/usr/bin:/bin, LOGNAME and USER) under the
 * crontab's own variables; LOGNAME and USER always name the owner.
 */
export function cronProgram(e: CrontabEntry, owner: CronOwner, spool: string | null): Program {
  const env: Record<string, string> = {
    SHELL: '/bin/sh', HOME: owner.home, PATH: '/usr/bin:/bin', ...e.env, LOGNAME: owner.name, USER: owner.name,
  };
  return {
    ...base(cronJobName(owner.name, e.line), `crontab:${owner.name}`, e.line),
    argv: [env.SHELL, '-c', e.command], commandText: e.command, cwd: env.HOME, env, user: owner.runAs, umask: null,
    stdin: input(spool), schedule: { kind: 'cron', expr: e.schedule.source, tz: e.tz }, missed: 'skip',
  };
}
