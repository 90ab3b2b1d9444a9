// Reads what PM2 reads: an ecosystem file (.js/.cjs/.mjs evaluated as PM2 does, by requiring it;
// .json parsed), or a process list (`pm2 jlist` output, ~/.pm2/dump.pm2). Each app comes with the
// lines of its keys, so what cannot be imported is reported where it was written.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findApp, objectLiterals } from './js-locate.js';

/** One PM2 app as the file gives it, with where its keys are. */
export interface Pm2App {
  options: Record<string, unknown>;
  /** The line of `key` in the file, else the app's own line. */
  lineOf: (key: string) => number;
  /** A process list holds resolved values (absolute script, interpreter, the whole environment). */
  fromProcessList: boolean;
}

// pm2_env fields of a process list, by the ecosystem option they came from.
const FROM_PM2_ENV: Record<string, string> = {
  pm_exec_path: 'script', pm_cwd: 'cwd', exec_interpreter: 'interpreter', pm_out_log_path: 'out_file',
  pm_err_log_path: 'error_file', pm_log_path: 'log_file',
};
// What a process list carries that an ecosystem file may say: only these are read from it (the
// rest of pm2_env is PM2's own bookkeeping and the environment PM2 was started in).
const LISTED_OPTIONS = [
  'name', 'script', 'args', 'interpreter', 'node_args', 'cwd', 'env', 'instances', 'exec_mode', 'autorestart',
  'max_restarts', 'min_uptime', 'restart_delay', 'exp_backoff_restart_delay', 'kill_timeout', 'cron_restart',
  'out_file', 'error_file', 'log_file', 'merge_logs', 'log_date_format', 'uid', 'gid', 'watch', 'ignore_watch',
  'max_memory_restart', 'namespace', 'autostart', 'stop_exit_codes', 'wait_ready', 'listen_timeout', 'time',
  'disable_logs', 'treekill', 'pid_file',
];

/** A key of the ecosystem file beside `apps` (deploy, ...), with its line. */
export interface Pm2FileKey {
  key: string;
  line: number;
}

/** The apps of a PM2 file and its other top-level keys; throws with the reason when it is not one. */
export async function readPm2File(file: string): Promise<{ apps: Pm2App[]; others: Pm2FileKey[] }> {
  const abs = resolve(file);
  const text = readFileSync(abs, 'utf8');
  const ext = extname(abs).toLowerCase();
  let data: unknown;
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') data = await evaluate(abs, ext);
  else {
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: not JSON (${(e as Error).message}); expected an ecosystem file, \`pm2 jlist\` output or dump.pm2`);
    }
  }
  const literals = objectLiterals(text);
  const at = (name: string | undefined, index: number) => {
    const o = findApp(literals, name, index);
    return (key: string) => o?.keys.get(key) ?? o?.line ?? 1;
  };
  if (Array.isArray(data) && data.every((e) => e && typeof e === 'object' && ('pm2_env' in e || 'pm_exec_path' in e))) {
    const apps = data.map((e: Record<string, unknown>, i) => {
      const env = (e.pm2_env ?? e) as Record<string, unknown>;
      return { options: fromProcessList(env), lineOf: at(String(env.name), i), fromProcessList: true };
    });
    return { apps, others: [] };
  }
  const obj = data as Record<string, unknown> | unknown[] | null;
  const apps = Array.isArray(obj) ? obj : obj && typeof obj === 'object' ? (Array.isArray(obj.apps) ? obj.apps : obj.apps ? [obj.apps] : [obj]) : null;
  if (!apps || apps.some((a) => !a || typeof a !== 'object')) throw new Error(`${file}: expected { apps: [...] } with one object per app`);
  const top = obj && !Array.isArray(obj) && Array.isArray(obj.apps) ? obj : null;
  const holder = literals.find((o) => o.keys.has('apps'));
  const others = top ? Object.keys(top).filter((k) => k !== 'apps').map((key) => ({ key, line: holder?.keys.get(key) ?? 1 })) : [];
  return { apps: (apps as Record<string, unknown>[]).map((a, i) => ({ options: a, lineOf: at(typeof a.name === 'string' ? a.name : undefined, i), fromProcessList: false })), others };
}

// Runs the ecosystem file as PM2 does: its code runs with this user's rights (the README says so).
async function evaluate(abs: string, ext: string): Promise<unknown> {
  if (ext !== '.mjs') {
    try {
      return createRequire(import.meta.url)(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw e;
    }
  }
  const m = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  return m.default ?? m;
}

// The ecosystem options of one pm2_env: renamed back, environment left to mapEnv.
function fromProcessList(env: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    const key = FROM_PM2_ENV[k] ?? k;
    if (LISTED_OPTIONS.includes(key) && v !== undefined && v !== null) out[key] = v;
  }
  return out;
}
