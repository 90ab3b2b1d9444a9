// ProgramSpec -> Program: every default filled and every path made absolute, once, so
// nothing downstream checks for undefined or knows where the control file was.
import { resolve } from 'node:path';
import { NOTIFY_FD_STORE } from './read-listen.js';
import { DEFAULTS, type OutputTarget, type InputSource, type Program } from './program.js';
import type { ProgramSpec } from './spec.js';

// Defaults that depend on the schedule: a cron or at job runs to completion, so it is not
// restarted; runs may overlap as in Vixie cron; a missed cron run is skipped as cron does,
// a missed at job runs once late as atd does when it starts.
const SCHEDULED = { restart: 'never' as const, overlap: 'allow' as const };
const MISSED = { service: 'skip', cron: 'skip', at: 'run-once' } as const;

/** A complete Program from a spec; relative paths are resolved against `baseDir`. */
export function normalize(spec: ProgramSpec, baseDir: string): Program {
  const schedule = spec.schedule ?? { kind: 'service' };
  const scheduled = schedule.kind !== 'service';
  // File paths are relative to the control file's directory, not to cwd, so that a
  // program's cwd can change without its redirections moving.
  const file = <T extends InputSource | OutputTarget>(t: T | undefined, fallback: T): T =>
    t?.kind === 'file' ? { ...t, path: resolve(baseDir, t.path) } : (t ?? fallback);
  const tty = spec.tty ?? false;
  // A terminal device is all three streams; spelled out so spawn needs no special case.
  const onTty = typeof tty === 'string';
  return {
    name: spec.name,
    argv: spec.argv,
    commandText: spec.commandText,
    shell: spec.shell ?? false,
    cwd: resolve(baseDir, spec.cwd ?? '.'),
    env: spec.env ?? {},
    envMode: spec.envMode ?? 'add',
    user: spec.user ?? null,
    unixGroup: spec.unixGroup ?? null,
    group: spec.group ?? null,
    priority: spec.priority ?? DEFAULTS.priority,
    after: spec.after ?? [],
    afterExited: spec.afterExited ?? [],
    needs: spec.needs ?? {},
    umask: spec.umask ?? null,
    ...(spec.nice != null ? { nice: spec.nice } : {}),
    stdin: onTty ? { kind: 'file', path: tty } : file(spec.stdin, { kind: 'null' }),
    stdout: onTty ? { kind: 'file', path: tty, append: true } : file(spec.stdout, { kind: 'log' }),
    stderr: onTty ? { kind: 'stdout' } : file(spec.stderr, { kind: 'log' }),
    tty,
    instances: spec.instances ?? 1,
    restart: spec.restart ?? (scheduled ? SCHEDULED.restart : DEFAULTS.restart),
    successCodes: spec.successCodes ?? [...DEFAULTS.successCodes],
    backoff: { ...DEFAULTS.backoff, ...defined(spec.backoff) },
    crashLoop: { ...DEFAULTS.crashLoop, ...defined(spec.crashLoop) },
    ready: spec.ready ?? DEFAULTS.ready,
    listen: spec.listen ?? [],
    fdStore: spec.fdStore ?? (spec.ready === 'notify' ? NOTIFY_FD_STORE : 0),
    grants: spec.grants ?? [],
    stopSignal: spec.stopSignal ?? DEFAULTS.stopSignal,
    stopTimeout: spec.stopTimeout ?? DEFAULTS.stopTimeout,
    schedule,
    overlap: spec.overlap ?? SCHEDULED.overlap,
    missed: spec.missed ?? MISSED[schedule.kind],
    autostart: spec.autostart ?? true,
    log: { ...DEFAULTS.log, ...defined(spec.log) },
    health: spec.health ?? null,
    maxMemory: spec.maxMemory ?? null,
    limits: { pids: null, memory: null, cpu: null, ...defined(spec.limits) },
    rlimits: spec.rlimits ?? {},
    envFile: spec.envFile ?? null,
    // Watched paths are relative to the program's cwd, as in PM2.
    watch: spec.watch ? { ...spec.watch, paths: spec.watch.paths.map((p) => resolve(baseDir, spec.cwd ?? '.', p)) } : null,
    source: spec.source,
  };
}

/** The object without its undefined properties, so spreading it never erases a default. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
