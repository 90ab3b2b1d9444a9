// Turns a job's program into what the helper needs: argv, environment, streams, user.
import { join } from 'node:path';
import type { OutputTarget } from '../../config/program.js';
import { lookupUser } from '../../os/proc/index.js';
import type { SpawnRequest, StreamSpec } from '../../os/supervise.js';
import type { JobRow } from '../../store/jobs.js';

/** What every spawn shares: where logs go and the daemon's own environment. */
export interface SpawnContext {
  logsDir: string;
  env: NodeJS.ProcessEnv;
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
  }
}

// hook (c): CONTRACTS' `limits` and `rlimits` Program fields, read loosely until config/program.ts has them.
type WithLimits = Partial<Pick<SpawnRequest, 'limits' | 'rlimits'>>;
function limitsOf(p: JobRow['spec'] & WithLimits): WithLimits {
  const out: WithLimits = {};
  if (p.limits && (p.limits.pids != null || p.limits.memory != null || p.limits.cpu != null)) out.limits = p.limits;
  if (p.rlimits && Object.keys(p.rlimits).length > 0) out.rlimits = p.rlimits;
  return out;
}

/** The helper's spawn request for a job. */
export function buildSpawnRequest(job: JobRow, ctx: SpawnContext): SpawnRequest {
  const p = job.spec;
  const base: Record<string, string> = {};
  if (p.envMode === 'add') for (const [k, v] of Object.entries(ctx.env)) if (v != null) base[k] = v;
  const env: Record<string, string> = { ...base };
  if (p.user != null) {
    // As login(1) and systemd's User= do: the identity variables follow the user.
    const u = lookupUser(p.user);
    if (u) Object.assign(env, { HOME: u.home, USER: u.name, LOGNAME: u.name, SHELL: u.shell || '/bin/sh' });
  }
  Object.assign(env, p.env, {
    APPINIT_JOB: String(job.number),
    APPINIT_PROGRAM: p.name,
    APPINIT_INSTANCE: String(job.instance),
  });
  const dir = logDir(ctx, p.name);
  const tty = typeof p.tty === 'string' ? p.tty : p.tty ? 'pty' : null;
  return {
    job: String(job.id),
    argv: p.argv,
    env,
    cwd: p.cwd,
    user: p.user,
    group: p.group,
    umask: p.umask,
    stdin: p.stdin.kind === 'file' ? p.stdin.path : p.stdin.kind === 'pipe' ? 'pipe' : '/dev/null',
    stdout: stream(p.stdout, join(dir, 'out.log')),
    stderr: stream(p.stderr, join(dir, 'err.log')),
    tty,
    log: { timestamps: p.log.timestamps, maxSize: p.log.maxSize, keep: p.log.keep, rotate: p.log.rotate, maxLine: p.log.maxLine },
    ...limitsOf(p),
  };
}
