// Settings of other process managers that people bring along to a control file: PM2's
// ecosystem file, supervisord's [program:x], systemd's [Service], docker compose. An unknown
// key of a program that is one of them is answered with appinit's way of saying it, since
// "unknown key" alone leaves the author to guess (stop_timeout is two edits from nothing).

interface Foreign {
  /** Its own spelling. */
  key: string;
  /** Whose word it is, for the message: "PM2's kill_timeout" (none: several use it). */
  from?: string;
  /** What to write in appinit instead. */
  write: string;
}

const STOP_TIMEOUT = 'stop: { timeout: 10s } (then KILL)';
const STOP_SIGNAL = 'stop: { signal: TERM }';
const CRASH_LOOP = 'crash_loop: { limit: 5, window: 60s } (more restarts than limit within window: fatal)';
const READY = 'ready: 1s (how long it must stay up to count as running)';
const BACKOFF = 'backoff: { initial: 100ms, factor: 2, max: 30s }';

// By the key with case, '-' and '_' dropped: stop_timeout, stopTimeout and StopTimeout are one.
const TABLE: Record<string, Foreign> = {
  // PM2 (ecosystem.config.js)
  script: { key: 'script', from: "PM2's", write: 'command: node app.js (the program and its arguments)' },
  args: { key: 'args', from: "PM2's", write: 'command: [node, app.js, --port, "8080"] (the arguments go in command)' },
  interpreter: { key: 'interpreter', from: "PM2's", write: 'command: [python3, app.py] (the interpreter goes first in command)' },
  killtimeout: { key: 'kill_timeout', from: "PM2's", write: STOP_TIMEOUT },
  maxrestarts: { key: 'max_restarts', from: "PM2's", write: CRASH_LOOP },
  minuptime: { key: 'min_uptime', from: "PM2's", write: READY },
  restartdelay: { key: 'restart_delay', from: "PM2's", write: BACKOFF },
  expbackoffrestartdelay: { key: 'exp_backoff_restart_delay', from: "PM2's", write: BACKOFF },
  autorestart: { key: 'autorestart', from: "PM2's and supervisord's", write: 'restart: always | on-failure | never' },
  cronrestart: { key: 'cron_restart', from: "PM2's", write: 'cron: "0 * * * *" (runs the program on a schedule)' },
  outfile: { key: 'out_file', from: "PM2's", write: 'stdout: FILE (the managed log by default: appinit logs NAME)' },
  errorfile: { key: 'error_file', from: "PM2's", write: 'stderr: FILE (the managed log by default: appinit logs NAME)' },
  logfile: { key: 'log_file', from: "PM2's", write: 'stdout: FILE and stderr: stdout' },
  waitready: { key: 'wait_ready', from: "PM2's", write: 'ready: notify (ready when the program sends READY=1 on $NOTIFY_SOCKET)' },
  listentimeout: { key: 'listen_timeout', from: "PM2's", write: READY },
  ignorewatch: { key: 'ignore_watch', from: "PM2's", write: 'watch: { paths: [src/], ignore: [node_modules] }' },
  watchdelay: { key: 'watch_delay', from: "PM2's", write: 'watch: { paths: [src/], debounce: 300ms }' },
  execmode: { key: 'exec_mode', from: "PM2's", write: 'instances: 2 (each instance is its own process; there is no cluster mode)' },
  name: { key: 'name', from: "PM2's", write: 'the program\'s name as its key under programs: (programs: { web: { command: ... } })' },
  // supervisord ([program:x])
  stopwaitsecs: { key: 'stopwaitsecs', from: "supervisord's", write: STOP_TIMEOUT },
  stopsignal: { key: 'stopsignal', from: "supervisord's", write: STOP_SIGNAL },
  startsecs: { key: 'startsecs', from: "supervisord's", write: READY },
  startretries: { key: 'startretries', from: "supervisord's", write: CRASH_LOOP },
  numprocs: { key: 'numprocs', from: "supervisord's", write: 'instances: 2' },
  directory: { key: 'directory', from: "supervisord's", write: 'cwd: ./app' },
  environment: { key: 'environment', from: "supervisord's and docker compose's", write: 'env: { KEY: value }' },
  exitcodes: { key: 'exitcodes', from: "supervisord's", write: 'success_codes: [0]' },
  redirectstderr: { key: 'redirect_stderr', from: "supervisord's", write: 'stderr: stdout' },
  stdoutlogfile: { key: 'stdout_logfile', from: "supervisord's", write: 'stdout: FILE (the managed log by default: appinit logs NAME)' },
  stderrlogfile: { key: 'stderr_logfile', from: "supervisord's", write: 'stderr: FILE (the managed log by default: appinit logs NAME)' },
  stopasgroup: { key: 'stopasgroup', from: "supervisord's", write: 'nothing: a stop always reaches the whole process tree (stop: { signal, timeout })' },
  killasgroup: { key: 'killasgroup', from: "supervisord's", write: 'nothing: a stop always reaches the whole process tree (stop: { signal, timeout })' },
  processname: { key: 'process_name', from: "supervisord's", write: 'the program\'s name as its key under programs:' },
  // systemd ([Service])
  execstart: { key: 'ExecStart', from: "systemd's", write: 'command: /usr/bin/server --flag' },
  workingdirectory: { key: 'WorkingDirectory', from: "systemd's", write: 'cwd: /srv/app' },
  environmentfile: { key: 'EnvironmentFile', from: "systemd's", write: 'env_file: .env' },
  timeoutstopsec: { key: 'TimeoutStopSec', from: "systemd's", write: STOP_TIMEOUT },
  killsignal: { key: 'KillSignal', from: "systemd's", write: STOP_SIGNAL },
  restartsec: { key: 'RestartSec', from: "systemd's", write: BACKOFF },
  startlimitburst: { key: 'StartLimitBurst', from: "systemd's", write: CRASH_LOOP },
  successexitstatus: { key: 'SuccessExitStatus', from: "systemd's", write: 'success_codes: [0, 143]' },
  type: { key: 'Type', from: "systemd's", write: 'ready: notify (Type=notify) or ready: 1s' },
  memorymax: { key: 'MemoryMax', from: "systemd's", write: 'limits: { memory: 1GB }' },
  cpuquota: { key: 'CPUQuota', from: "systemd's", write: 'limits: { cpu: 50% }' },
  tasksmax: { key: 'TasksMax', from: "systemd's", write: 'limits: { pids: 200 }' },
  limitnofile: { key: 'LimitNOFILE', from: "systemd's", write: 'rlimits: { nofile: 4096 }' },
  // docker compose
  stopgraceperiod: { key: 'stop_grace_period', from: "docker compose's", write: STOP_TIMEOUT },
  stoptimeout: { key: 'stop_timeout', write: STOP_TIMEOUT },
  workingdir: { key: 'working_dir', from: "docker compose's", write: 'cwd: ./app' },
  entrypoint: { key: 'entrypoint', from: "docker compose's", write: 'command: [server, --flag] (the whole argv)' },
  memlimit: { key: 'mem_limit', from: "docker compose's", write: 'limits: { memory: 1GB }' },
  cpus: { key: 'cpus', from: "docker compose's", write: 'limits: { cpu: 50% }' },
  pidslimit: { key: 'pids_limit', from: "docker compose's", write: 'limits: { pids: 200 }' },
  scale: { key: 'scale', from: "docker compose's", write: 'instances: 2' },
  replicas: { key: 'replicas', from: "docker compose's", write: 'instances: 2' },
};

/** ` (PM2's kill_timeout); in appinit: stop: { timeout: 10s }`-style hint, or '' for a key not known elsewhere. */
export function foreignKeyHint(key: string): string {
  const f = TABLE[key.toLowerCase().replace(/[-_]/g, '')];
  if (!f) return '';
  return f.from ? ` (${f.from} ${f.key}); in appinit: ${f.write}` : `; in appinit: ${f.write}`;
}
