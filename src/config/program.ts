// The validated, fully-defaulted form of a program. Parsers (yaml, json, classic table)
// produce ProgramSpec-like input; normalize.ts turns it into Program. Nothing downstream
// re-checks for undefined.

/** What to do when a job of a service ends. */
export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** Where one standard stream goes. `log` is the managed log under APPINIT_HOME/logs. */
export type OutputTarget =
  | { kind: 'log' }
  | { kind: 'null' }
  | { kind: 'file'; path: string; append: boolean }
  | { kind: 'stdout' } // stderr only: 2>&1
  | FifoRef;

/** A named FIFO of the file's `fifos:` (pipes, issue 12); path and mode are copied from it when
 *  the file is read, so a Program says everything its spawn needs. */
export interface FifoRef { kind: 'fifo'; name: string; path: string; mode: number }

/** Where standard input comes from. `pipe`: from clients attached to the job (`appinit run`). */
export type InputSource =
  | { kind: 'null' } | { kind: 'file'; path: string } | { kind: 'pipe' }
  /** A pipe from another program's stdout or stderr (`stdin: { from: producer }`), held by appinit. */
  | { kind: 'program'; from: string; stream: 'stdout' | 'stderr' }
  | FifoRef;

/** Managed-log options (issue 6 owns the full behaviour). Sizes in bytes. */
export interface LogOptions {
  timestamps: 'iso' | 'unix' | 'none';
  maxSize: number; // rotate when a file grows past this; 0 = never by size
  keep: number; // rotated files kept
  rotate: 'none' | 'hourly' | 'daily';
  compress: boolean;
  maxLine: number; // longer lines are split, not dropped
}

/** When a program runs. */
export type Schedule =
  | { kind: 'service' } // always: started on `up`, restarted by policy
  | { kind: 'cron'; expr: string; tz: string | null }
  | { kind: 'at'; spec: string };

/** Where a program was defined, for error messages. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A validated program with every default filled. Durations in milliseconds. */
export interface Program {
  name: string;
  /** argv actually executed (for shell: ['/bin/sh', '-c', text]). */
  argv: string[];
  /** The command as written in the file, for display. */
  commandText: string;
  shell: boolean;
  cwd: string; // absolute
  env: Record<string, string>;
  /** 'add': env is added to the daemon's environment; 'replace': env is the whole environment. */
  envMode: 'add' | 'replace';
  user: string | null; // name or numeric string; null = the daemon's user
  /** The Unix group to run as (`user: www-data:staff` or `unix_group:`); null = the user's. */
  unixGroup: string | null;
  /** The program group (`group: web`): `restart web:*` selects every program in it. */
  group: string | null;
  /** Start order (lower first, stopped last), as supervisord's priority; `after:` is on top. */
  priority: number;
  /** Programs that must be running before this one starts. */
  after: string[];
  /** Names that must have exited successfully before this one starts (`after: { migrate: exited }`). */
  afterExited: string[];
  /** Resources acquired all at once before the job starts, given back when it ends (coord); {} = none. */
  needs: Record<string, number>;
  umask: number | null;
  /** The nice value the job starts with (a `run` takes its caller's, as a shell's child); null: the daemon's. */
  nice?: number | null;
  stdin: InputSource;
  stdout: OutputTarget;
  stderr: OutputTarget;
  /** Classic table: a terminal device path for stdin/out/err; true = a pty owned by the daemon. */
  tty: string | boolean;
  instances: number;
  restart: RestartPolicy;
  successCodes: number[];
  backoff: { initial: number; factor: number; max: number; reset: number };
  /** More than `limit` restarts within `window` ms puts the program in `fatal`. */
  crashLoop: { limit: number; window: number };
  /** ms after the start until it counts as ready, or 'notify': when it sends READY=1 on $NOTIFY_SOCKET. */
  ready: number | 'notify';
  /** Sockets appinit binds and holds, passed as systemd does (LISTEN_FDS from fd 3, in this order). */
  listen: { name: string; url: string }[];
  /** Descriptors the program may keep with FDSTORE=1 (0: off). */
  fdStore: number;
  /** Absolute paths (a directory ends in /) that `appinit open` opens for this program's user. */
  grants: string[];
  stopSignal: string; // 'SIGTERM'
  stopTimeout: number;
  schedule: Schedule;
  overlap: 'allow' | 'skip' | 'queue';
  missed: 'skip' | 'run-once';
  autostart: boolean;
  log: LogOptions;
  health: HealthCheck | null;
  /** Bytes; the RSS of the whole job above it restarts it by policy. */
  maxMemory: number | null;
  /** cgroup limits: pids.max, memory bytes, percent of one CPU. */
  limits: Limits;
  /** setrlimit before exec: nofile, nproc, core, ...; null = unlimited. */
  rlimits: Record<string, { soft: number | null; hard: number | null }>;
  /** Absolute path; its variables were merged under `env` when the file was loaded. */
  envFile: string | null;
  watch: WatchOptions | null;
  source: SourcePos;
}

/** A health check; durations in ms. */
export interface HealthCheck {
  kind: 'http' | 'tcp' | 'exec';
  target: string | string[];
  every: number;
  timeout: number;
  failures: number;
}

/** Per-job cgroup limits; null = none. */
export interface Limits {
  pids: number | null;
  memory: number | null;
  cpu: number | null;
}

/** Restart on change of these absolute paths, debounced (ms). */
export interface WatchOptions {
  paths: string[];
  ignore: string[];
  debounce: number;
}

/** A located problem in a control file. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string; // 'programs.web.restart'
  message: string; // 'expected one of always, on-failure, never, got "sometimes"'
}

/** Thrown when a control file has errors; holds every one of them. */
export class ConfigError extends Error {
  constructor(public readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `FILE:LINE:COL: path: message`, the one way a config problem is printed. */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path ? i.path + ': ' : ''}${i.message}`;
}

/** The defaults, in one place. */
export const DEFAULTS = {
  restart: 'always' as RestartPolicy,
  successCodes: [0],
  backoff: { initial: 100, factor: 2, max: 30_000, reset: 10_000 },
  crashLoop: { limit: 5, window: 60_000 },
  ready: 1000,
  stopSignal: 'SIGTERM',
  stopTimeout: 10_000,
  priority: 999,
  health: { every: 10_000, timeout: 2_000, failures: 3 },
  watchDebounce: 300,
  log: { timestamps: 'iso', maxSize: 10 * 1024 * 1024, keep: 10, rotate: 'none', compress: false, maxLine: 64 * 1024 } as LogOptions,
};

/** Bounds on what a file (or a request) may ask for, so a typo cannot hang the daemon. */
export const BOUNDS = {
  /** Characters in a program name: it becomes a directory name under logs/. */
  name: 64,
  /** Instances of one program. */
  instances: 1000,
  /** Any duration: Node's timers fire at once past 2^31-1 ms (24.8 days). */
  duration: 24 * 86_400_000,
  /** Bytes of a control file or an env file. */
  fileSize: 4 * 1024 * 1024,
};

/** The settings added in round 2, at their defaults: for code that builds a Program by hand. */
export const RESOURCE_DEFAULTS: Pick<Program, 'unixGroup' | 'group' | 'priority' | 'after' | 'afterExited' | 'health' | 'maxMemory' | 'limits' | 'rlimits' | 'envFile' | 'watch' | 'needs'> = {
  unixGroup: null, group: null, priority: 999, after: [], afterExited: [], needs: {}, health: null, maxMemory: null,
  limits: { pids: null, memory: null, cpu: null }, rlimits: {}, envFile: null, watch: null,
};

/** The socket settings (issue 12) at their defaults: for code that builds a Program by hand. */
export const SOCKET_DEFAULTS: Pick<Program, 'listen' | 'fdStore' | 'grants'> = { listen: [], fdStore: 0, grants: [] };

/** A Program as stored by an older version, with the settings it did not have at their defaults.
 *  Before `group` named a program group it was the Unix group: such a value moves to unixGroup. */
export function upgradeProgram(stored: Program): Program {
  if (stored == null || typeof stored !== 'object') return stored;
  // Stored before the socket settings: their defaults, so `up` of the same file changes nothing.
  if (!('listen' in stored)) stored = { ...SOCKET_DEFAULTS, ...(stored as object) } as Program;
  // Round 3's needs: a stored program without it needs nothing (and is not "changed" by up).
  if (!('needs' in stored)) stored = { ...(stored as object), needs: {} } as Program;
  if ('unixGroup' in stored) return stored;
  const old = stored as Program & { group?: string | null };
  return { ...RESOURCE_DEFAULTS, ...old, unixGroup: old.group ?? null, group: null };
}
