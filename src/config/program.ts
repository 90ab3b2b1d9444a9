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
  | { kind: 'stdout' }; // stderr only: 2>&1

/** Where standard input comes from. `pipe`: from clients attached to the job (`appinit run`). */
export type InputSource = { kind: 'null' } | { kind: 'file'; path: string } | { kind: 'pipe' };

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
  group: string | null;
  umask: number | null;
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
  ready: number;
  stopSignal: string; // 'SIGTERM'
  stopTimeout: number;
  schedule: Schedule;
  overlap: 'allow' | 'skip' | 'queue';
  missed: 'skip' | 'run-once';
  autostart: boolean;
  log: LogOptions;
  source: SourcePos;
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
  log: { timestamps: 'iso', maxSize: 10 * 1024 * 1024, keep: 10, rotate: 'none', compress: false, maxLine: 64 * 1024 } as LogOptions,
};
