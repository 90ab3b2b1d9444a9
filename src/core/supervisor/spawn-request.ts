// Turns a job's program into what the helper needs: argv, environment, streams, user.
import { join } from 'node:path';
import type { OutputTarget, Program } from '../../config/program.js';
import { pipeStreams } from '../pipes/plan.js';
import { lookupUser } from '../../os/proc/index.js';
import type { PasswdEntry } from '../../os/proc/index.js';
import type { SpawnRequest, StreamSpec } from '../../os/supervise.js';
import { giveLogFiles } from '../../os/user-logs.js';
import type { JobRow } from '../../store/jobs.js';
import { socketRequest } from '../sockets/spawn.js';

/** What every spawn shares: where logs go and the daemon's own (already cleaned) environment. */
export interface SpawnContext {
  logsDir: string;
  env: NodeJS.ProcessEnv;
  /** The daemon's own terminal settings (hex termios), copied onto `tty` device lines; null without a terminal. */
  termios?: string | null;
  /** The system daemon: a program's managed log files belong to its job's user (see os/user-logs.ts),
   *  and its jobs' `appinit` commands reach it (APPINIT_SYSTEM=1, and APPINIT_SYSTEM_HOME when set). */
  system?: boolean;
}

/** Directory of a program's managed logs. */
export function logDir(ctx: SpawnContext, name: string): string {
  return join(ctx.logsDir, name);
}

function stream(t: OutputTarget, managedPath: string): StreamSpec {
  switch (t.kind) {
    case 'log': return `log:${managedPath}`;
    case 'null': return 'null';
    case 'stdout': return 'stdout';
    case 'file': return t.append ? `append:${t.path}` : `file:${t.path}`;
    case 'fifo': return `append:${t.path}`; // the helper opens a FIFO without blocking itself
  }
}

// login.defs' ENV_SUPATH and ENV_PATH: the PATH `su -` gives root and everyone else.
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
// Locale and zone are not secrets and a program's output depends on them: they follow the daemon.
const LOCALE = /^(LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/;

/** The environment `su -` or systemd's User= give a user: identity, shell and PATH from passwd,
 *  plus the daemon's locale and zone. Nothing else of the daemon's environment. */
export function loginEnvironment(u: PasswdEntry, daemonEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(daemonEnv)) if (v != null && LOCALE.test(k)) env[k] = v;
  return Object.assign(env, { HOME: u.home, USER: u.name, LOGNAME: u.name, SHELL: u.shell || '/bin/sh', PATH: u.uid === 0 ? ROOT_PATH : USER_PATH });
}

/** The environment a job starts with. A `user:` program's is built for that user (never the
 *  daemon's: a secret in the shell that started the daemon must not reach a `nobody` job);
 *  otherwise env_mode add starts from the daemon's own. The control file's `env` comes last. */
export function jobEnvironment(p: JobRow['spec'], ctx: SpawnContext): Record<string, string> {
  const env: Record<string, string> = {};
  if (p.user != null) {
    const u = lookupUser(p.user);
    if (u) Object.assign(env, loginEnvironment(u, ctx.env));
  } else if (p.envMode === 'add') {
    for (const [k, v] of Object.entries(ctx.env)) if (v != null) env[k] = v;
  }
  return Object.assign(env, p.env);
}

/** The helper's spawn request for a job; `peers` (the supervisor's jobs) say who reads its pipes. */
export function buildSpawnRequest(job: JobRow, ctx: SpawnContext, peers: Iterable<{ spec: Program }> = []): SpawnRequest {
  const p = job.spec;
  const env = jobEnvironment(p, ctx);
  Object.assign(env, {
    APPINIT_JOB: String(job.number),
    APPINIT_PROGRAM: p.name,
    APPINIT_INSTANCE: String(job.instance),
  });
  if (ctx.system) {
    env.APPINIT_SYSTEM = '1';
    if (ctx.env.APPINIT_SYSTEM_HOME) env.APPINIT_SYSTEM_HOME = ctx.env.APPINIT_SYSTEM_HOME;
  }
  const dir = logDir(ctx, p.name);
  if (ctx.system) {
    const u = p.user != null ? lookupUser(p.user) : null;
    const files = [...(p.stdout.kind === 'log' ? [join(dir, 'out.log')] : []), ...(p.stderr.kind === 'log' ? [join(dir, 'err.log')] : [])];
    try { giveLogFiles(dir, files, u?.uid ?? 0, u?.gid ?? 0); } catch { /* the helper still writes them, root's and 0600 */ }
  }
  const tty = typeof p.tty === 'string' ? p.tty : p.tty ? 'pty' : null;
  return {
    job: String(job.id),
    argv: p.argv,
    env,
    cwd: p.cwd,
    user: p.user,
    group: p.unixGroup ?? null, // the Unix group; p.group is the program group (`web:*`)
    umask: p.umask,
    nice: p.nice ?? null,
    stdin: p.stdin.kind === 'file' || p.stdin.kind === 'fifo' ? p.stdin.path : p.stdin.kind === 'pipe' ? 'pipe' : '/dev/null',
    stdout: stream(p.stdout, join(dir, 'out.log')),
    stderr: stream(p.stderr, join(dir, 'err.log')),
    ...pipeStreams(p, peers), // pipes between programs (core/pipes)
    tty,
    // A spec stored before these settings existed has neither.
    rlimits: p.rlimits ?? {},
    limits: p.limits ?? { pids: null, memory: null, cpu: null },
    termios: typeof p.tty === 'string' ? ctx.termios ?? null : null,
    log: { timestamps: p.log.timestamps, maxSize: p.log.maxSize, keep: p.log.keep, rotate: p.log.rotate, maxLine: p.log.maxLine },
    sockets: socketsFor(p, job), // NOTIFY_SOCKET, LISTEN_FDS (src/core/sockets)
  };
}

// A job of a file a user loaded on root's daemon makes its unix: sockets with that user's rights
// (native/listen.c: the kernel checks the path as for the user, at bind time); root's files as root.
function socketsFor(p: JobRow['spec'], job: JobRow): SpawnRequest['sockets'] {
  const r = socketRequest(p, job.instance);
  if (!r) return r; // most programs have no sockets: no question about whose they are
  const daemonUid = process.getuid?.() ?? 0;
  return job.ownerUid !== 0 && job.ownerUid !== daemonUid ? { ...r, asUser: true } : r;
}
