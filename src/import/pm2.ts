// PM2 apps -> appinit programs. Each option PM2 users rely on is mapped to the setting that does
// the same; what has no equivalent is reported at its line and left out.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { splitCommand } from '../config/split.js';
import { parseDuration, parseSize } from '../config/units.js';
import { which } from './which.js';
import type { Findings } from './findings.js';
import { bytes, ms, programName, type ProgramOut } from './program-out.js';
import type { Pm2App } from './pm2-read.js';

// PM2's interpreter by extension (pm2/lib/API/interpreter.json).
const BY_EXTENSION: Record<string, string> = { '.sh': 'bash', '.py': 'python', '.rb': 'ruby', '.php': 'php', '.pl': 'perl', '.js': 'node', '.coffee': 'coffee', '.ls': 'lsc' };

// Options read by the mapping below; anything else in an ecosystem file is reported.
const HANDLED = new Set([
  'name', 'script', 'args', 'interpreter', 'exec_interpreter', 'interpreter_args', 'node_args', 'cwd', 'env',
  'instances', 'exec_mode', 'autorestart', 'max_restarts', 'min_uptime', 'restart_delay', 'exp_backoff_restart_delay',
  'kill_timeout', 'cron_restart', 'out_file', 'error_file', 'output', 'error', 'log_file', 'log', 'merge_logs', 'combine_logs',
  'log_date_format', 'time', 'uid', 'gid', 'user', 'watch', 'ignore_watch', 'max_memory_restart', 'namespace',
  'autostart', 'stop_exit_codes', 'disable_logs', 'treekill',
]);
// Why an option is not carried over, for the ones PM2 users meet most.
const WHY: Record<string, string> = {
  wait_ready: 'PM2 waits for process.send("ready"); appinit counts a job running after `ready` (or ready: notify with sd_notify)',
  listen_timeout: 'goes with wait_ready, which is not mapped',
  shutdown_with_message: 'appinit stops a job with a signal (stop.signal), not an IPC message',
  pid_file: 'appinit keeps pids in its store (`appinit status --json`), not in pid files',
  instance_var: 'each instance gets APPINIT_INSTANCE (0, 1, ...) instead',
  increment_var: 'appinit gives no per-instance environment beyond APPINIT_INSTANCE',
  source_map_support: 'a Node option; pass --enable-source-maps in node_args',
  vizion: 'PM2\'s version-control metadata has no appinit equivalent',
  post_update: 'PM2\'s deploy hooks have no appinit equivalent',
  force: 'appinit starts each program once by name',
  kill_retry_time: 'appinit sends KILL once, after stop.timeout',
  filter_env: 'a `user:` program starts from that user\'s login environment; otherwise env_mode: replace gives only env',
  append_env_to_name: 'the program name is kept as written',
  log_type: 'appinit\'s managed logs are lines with timestamps; `appinit logs --json` gives JSON',
};

/** Options of the import: the env_<NAME> block to apply, as `pm2 start --env NAME`. */
export interface Pm2ImportOptions {
  envName?: string;
}

/** Maps each app to a program (and a companion for cron_restart) and reports what did not map. */
export function mapPm2Apps(apps: Pm2App[], file: string, baseDir: string, f: Findings, opts: Pm2ImportOptions = {}): Map<string, ProgramOut> {
  const out = new Map<string, ProgramOut>();
  apps.forEach((app, index) => {
    const o = app.options;
    const raw = typeof o.name === 'string' && o.name !== '' ? o.name : defaultName(o.script, index);
    const { name, changed } = programName(raw);
    const line = app.lineOf;
    if (changed) f.note(file, line('name'), raw, 'name', `"${raw}" is not an appinit program name; written as "${name}"`);
    const drop = (key: string, why: string) => f.drop(file, line(key), name, key, why);
    const note = (key: string, why: string) => f.note(file, line(key), name, key, why);
    const p = mapApp(o, name, baseDir, app, drop, note, opts);
    if (out.has(name)) drop('name', `a second app named "${name}"; appinit program names are unique, this one is left out`);
    else out.set(name, p);
    if (typeof o.cron_restart === 'string' && o.cron_restart.trim() !== '') {
      const expr = o.cron_restart.trim();
      if (expr.split(/\s+/).length !== 5 && !expr.startsWith('@')) drop('cron_restart', `"${expr}" has ${expr.split(/\s+/).length} fields; appinit's cron takes 5 (no seconds field)`);
      else {
        // PM2 restarts the app on the schedule; appinit's cron starts a program on one, so a
        // companion program does the restart, as a crontab line would.
        out.set(`${name}-cron-restart`, { command: ['appinit', 'restart', name], cron: expr, restart: 'never' });
        note('cron_restart', `mapped to program ${name}-cron-restart, which runs \`appinit restart ${name}\` on "${expr}"`);
      }
    }
    if (!app.fromProcessList) {
      for (const key of Object.keys(o)) {
        if (HANDLED.has(key) || key === 'cron_restart' || key.startsWith('env_')) continue;
        drop(key, WHY[key] ?? 'no appinit equivalent');
      }
      for (const key of Object.keys(o)) {
        if (key.startsWith('env_') && key !== `env_${opts.envName}`) note(key, `not applied; import with --env ${key.slice(4)} to use it (as pm2 start --env ${key.slice(4)})`);
      }
    }
  });
  return out;
}

type Report = (key: string, why: string) => void;

function mapApp(o: Record<string, unknown>, name: string, baseDir: string, app: Pm2App, drop: Report, note: Report, opts: Pm2ImportOptions): ProgramOut {
  // PM2 resolves cwd and script against the directory `pm2 start` runs in; the import assumes the
  // ecosystem file's own directory, where people run it from.
  const cwd = typeof o.cwd === 'string' ? resolve(baseDir, o.cwd) : baseDir;
  const p: ProgramOut = { command: command(o, cwd, drop), cwd };
  p.env = env(o, name, app.fromProcessList, opts);
  const uid = o.uid ?? o.user;
  if (uid != null) p.user = String(uid) + (o.gid != null ? `:${o.gid}` : '');
  else if (o.gid != null) drop('gid', 'appinit sets a group only with a user (user: USER:GROUP)');
  if (typeof o.namespace === 'string' && o.namespace !== 'default') p.group = o.namespace;
  instances(o, p, drop, note);
  restartPolicy(o, p, drop, note);
  logs(o, name, p, app.fromProcessList, drop, note);
  if (o.max_memory_restart != null) {
    try { p.max_memory = bytes(parseSize(o.max_memory_restart)); } catch (e) { drop('max_memory_restart', (e as Error).message); }
  }
  if (o.watch === true) p.watch = [cwd];
  else if (Array.isArray(o.watch) && o.watch.length) p.watch = o.watch.map((w) => resolve(cwd, String(w)));
  else if (typeof o.watch === 'string') p.watch = [resolve(cwd, o.watch)];
  if (o.ignore_watch != null && p.watch) note('ignore_watch', 'not carried over: write watch: { paths, ignore } by hand (gitignore patterns, not PM2\'s globs)');
  if (o.autostart === false) p.autostart = false;
  if (o.treekill === false) drop('treekill', 'appinit always signals the whole job (its session and adopted descendants)');
  return p;
}

// argv as PM2's fork mode builds it: [interpreter, ...interpreter args, script, ...args].
function command(o: Record<string, unknown>, cwd: string, drop: Report): string[] {
  const raw = typeof o.script === 'string' ? o.script : '';
  if (!raw) drop('script', 'missing: PM2 needs a script to run');
  // Like PM2: a path relative to cwd, else a command found on PATH.
  let script = resolve(cwd, raw);
  if (!existsSync(script) && !raw.includes('/')) script = which(raw) ?? script;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v.trim() ? splitCommand(v) : []);
  const args = list(o.args);
  let interp = typeof (o.interpreter ?? o.exec_interpreter) === 'string' ? String(o.interpreter ?? o.exec_interpreter) : '';
  // PM2 runs other text files with the node that runs PM2: here, the one running this import.
  if (!interp) interp = BY_EXTENSION[extname(script)] ?? (isBinary(script) ? 'none' : process.execPath);
  if (interp === 'python' && !which('python') && which('python3')) interp = 'python3'; // as PM2 does
  if (interp === 'none') return [script, ...args];
  return [interp, ...list(o.interpreter_args ?? o.node_args), script, ...args];
}

// PM2's test: a file whose first bytes hold a NUL (or that cannot be read) is executed itself.
function isBinary(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    return readFileSync(file).subarray(0, 512).includes(0);
  } catch {
    return false;
  }
}

// env, then env_<NAME> over it (pm2 start --env NAME). A process list holds the whole environment
// PM2 was started in: only what differs from this shell's and is not PM2's own is kept.
function env(o: Record<string, unknown>, name: string, fromList: boolean, opts: Pm2ImportOptions): Record<string, string> | undefined {
  const merged: Record<string, unknown> = { ...(o.env as object | undefined) };
  if (!fromList && opts.envName && o[`env_${opts.envName}`] && typeof o[`env_${opts.envName}`] === 'object') Object.assign(merged, o[`env_${opts.envName}`]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) {
    if (v == null || typeof v === 'object') continue;
    if (fromList && (k === name || /^(PM2_|pm_|axm_)/.test(k) || ['NODE_APP_INSTANCE', 'unique_id', '_', 'PWD', 'OLDPWD', 'SHLVL'].includes(k) || process.env[k] === String(v))) continue;
    // PM2 sets HOME for a uid app; appinit gives a `user:` program that user's login environment.
    if (fromList && (o.uid ?? o.user) != null && ['HOME', 'USER', 'LOGNAME', 'SHELL'].includes(k)) continue;
    out[k] = String(v);
  }
  return Object.keys(out).length ? out : undefined;
}

function instances(o: Record<string, unknown>, p: ProgramOut, drop: Report, note: Report): void {
  const cpus = availableParallelism();
  const raw = o.instances;
  if (raw != null && raw !== 1) {
    const n = raw === 'max' || raw === 0 || raw === '0' ? cpus : Number(raw) < 0 ? Math.max(1, cpus + Number(raw)) : Number(raw);
    if (Number.isInteger(n) && n >= 1) {
      p.instances = n;
      if (typeof raw !== 'number' || raw <= 0) note('instances', `${JSON.stringify(raw)} means ${n} on this machine (${cpus} CPUs); appinit takes a fixed number`);
    } else drop('instances', `expected a number or "max", got ${JSON.stringify(raw)}`);
  }
  const mode = String(o.exec_mode ?? 'fork');
  if (/^cluster/.test(mode)) drop('exec_mode', 'cluster mode shares one port between Node workers; appinit runs each instance as its own process (use SO_REUSEPORT or a port per APPINIT_INSTANCE)');
}

// autorestart, stop_exit_codes, max_restarts, min_uptime, restart delays, kill_timeout.
function restartPolicy(o: Record<string, unknown>, p: ProgramOut, drop: Report, note: Report): void {
  const num = (k: string): number | undefined => {
    if (o[k] == null) return undefined;
    const n = Number(o[k]);
    if (Number.isFinite(n) && n >= 0) return n;
    drop(k, `expected a number, got ${JSON.stringify(o[k])}`);
    return undefined;
  };
  // Times: PM2 takes milliseconds or a time string ("5s", "2m", "1h"), as its schema allows.
  const dur = (k: string): number | undefined => {
    const v = o[k];
    if (typeof v !== 'string' || /^\s*\d+(\.\d+)?\s*$/.test(v)) return num(k);
    try {
      return parseDuration(v.trim());
    } catch {
      drop(k, `expected milliseconds or a time like "5s", got ${JSON.stringify(v)}`);
      return undefined;
    }
  };
  if (o.autorestart === false) p.restart = 'never';
  else if (Array.isArray(o.stop_exit_codes) || typeof o.stop_exit_codes === 'number') {
    p.restart = 'on-failure';
    p.success_codes = [o.stop_exit_codes].flat().map(Number);
  } else p.restart = 'always';
  const maxRestarts = num('max_restarts');
  // PM2 gives up after 16 restarts that each lived less than min_uptime.
  if (p.restart !== 'never') p.crash_loop = { limit: maxRestarts ?? 16 };
  if (maxRestarts != null) note('max_restarts', 'appinit counts restarts within crash_loop.window (60s), not restarts that lived under min_uptime');
  const minUptime = dur('min_uptime');
  if (minUptime != null) p.ready = ms(minUptime);
  const delay = dur('restart_delay');
  const exp = dur('exp_backoff_restart_delay');
  // PM2's exponential backoff: ×1.5 per restart up to 15 s, back to the start after 30 s up.
  if (exp != null && exp > 0) p.backoff = { initial: ms(exp), factor: 1.5, max: ms(Math.max(exp, 15_000)), reset: '30s' };
  else if (delay != null) p.backoff = { initial: ms(delay), factor: 1, max: ms(delay) };
  if (exp != null && exp > 0 && delay) drop('restart_delay', 'exp_backoff_restart_delay is set too, and wins (as in PM2)');
  // PM2 stops with SIGINT, then SIGKILL after kill_timeout (1600 ms by default).
  p.stop = { signal: 'INT', timeout: ms(dur('kill_timeout') ?? 1600) };
}

// out_file / error_file / log_file / merge_logs / log_date_format / time / disable_logs.
function logs(o: Record<string, unknown>, name: string, p: ProgramOut, fromList: boolean, drop: Report, note: Report): void {
  if (o.disable_logs === true) {
    p.stdout = '/dev/null';
    p.stderr = '/dev/null';
    return;
  }
  const pm2Home = process.env.PM2_HOME ?? join(homedir(), '.pm2');
  // PM2's own default files (PM2_HOME/logs/NAME-out.log) become appinit's managed log.
  const isDefault = (path: string) => basename(dirname(path)) === 'logs' && new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(out|error)(-\\d+)?\\.log$`).test(basename(path)) && (fromList || dirname(dirname(path)) === pm2Home);
  const target = (key: 'out_file' | 'error_file'): string | undefined => {
    const v = o[key] ?? o[key === 'out_file' ? 'output' : 'error'];
    if (v === false || v === '/dev/null' || v === 'NULL') return '/dev/null';
    if (typeof v !== 'string' || v === '' || isDefault(v)) return undefined;
    return `>> ${isAbsolute(v) ? v : resolve(p.cwd ?? '.', v)}`; // PM2 appends
  };
  p.stdout = target('out_file');
  p.stderr = target('error_file');
  if ((p.instances ?? 1) > 1 && o.merge_logs !== true && o.combine_logs !== true && (p.stdout || p.stderr) && !fromList) {
    note('merge_logs', 'PM2 writes one file per instance (NAME-out-0.log, ...); appinit writes every instance to the one file, as merge_logs: true');
  }
  const combined = o.log_file ?? o.log;
  if (typeof combined === 'string' && combined !== '' && !(fromList && combined.startsWith(pm2Home))) drop('log_file', 'appinit has no third file holding both streams; `appinit logs NAME` shows both in order');
  const stamped = o.log_date_format != null || o.time === true;
  if (stamped) {
    const key = o.log_date_format != null ? 'log_date_format' : 'time';
    if (p.stdout && p.stdout !== '/dev/null') drop(key, 'appinit timestamps only its managed log, and stdout goes to a file');
    else {
      p.log = { timestamps: 'iso' };
      if (key === 'log_date_format') note(key, `appinit writes ISO 8601 times, not "${String(o.log_date_format)}"`);
    }
  }
}

// PM2 names an unnamed app after its script.
function defaultName(script: unknown, index: number): string {
  if (typeof script !== 'string' || script === '') return `app${index}`;
  return basename(script, extname(script)) || `app${index}`;
}
