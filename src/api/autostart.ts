// How a command (CLI or library) starts the daemon when none answers: once, however many
// commands race (a flock on autostart.lock), in a trusted home, with a defined environment.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { tryLock } from '../os/lock.js';
import { secureHome } from '../store/home.js';
import { orphanedJobs } from '../store/open.js';

export { checkClientHome, UntrustedHome } from '../store/home.js';
import { pathsFor } from './paths.js';
import { daemonEntry } from './daemon-entry-path.js';


/** Node's flags for the daemon: a young generation of 1 MB semi-spaces, not up to 16 MB (what an
 *  `up` of 500 programs grows it to and keeps): daemon RSS 89 -> 76 MB with 500 programs, 74 -> 70
 *  with 50 (bench/scale.ts). Its collections stay short: the daemon keeps little alive. */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** What an autostarted daemon keeps of the environment of the command that started it. Jobs of
 *  programs without `user:` start from this (a `user:` program's is built from passwd instead). */
export const DAEMON_ENV_KEEP = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|HOME|USER|LOGNAME|APPINIT_[A-Z0-9_]+)$/;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The defined environment of a daemon started for home: PATH, LANG/LC_*, TZ, HOME, USER,
 *  LOGNAME and APPINIT_* of the caller, nothing else (no tokens, no TERM, no NODE_OPTIONS). */
export function daemonEnvironment(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v != null && DAEMON_ENV_KEEP.test(k)) out[k] = v;
  out.PATH ??= DEFAULT_PATH;
  out.APPINIT_HOME = home;
  return out;
}

/** True when a daemon answers GET /v1/info on the home's socket within timeoutMs. */
export function answers(home: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: pathsFor(home).socket, path: '/v1/info', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 500) < 500));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

function sizeOf(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

// What a file gained since offset (bounded: a daemon's last words, not a whole log).
function readFrom(path: string, offset: number): string {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(Math.min(64 * 1024, Math.max(0, sizeOf(path) - offset)));
      return buf.subarray(0, readSync(fd, buf, 0, buf.length, offset)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (bounded, 10 s) while a daemon holds the home's lock without answering: 'answers' once it
 * does, 'free' once nobody holds the lock (it ended: a daemon killed a moment ago is still ending
 * when the call that found it gone comes here), 'silent' when it still holds it without a word.
 */
async function lockHolder(home: string): Promise<'answers' | 'free' | 'silent'> {
  const until = Date.now() + 10_000;
  while (daemonHoldsLock(home)) {
    if (await answers(home)) return 'answers';
    if (Date.now() > until) return 'silent';
    await sleep(50);
  }
  return 'free';
}

/** True when a daemon process holds the home's lock (alive, whether or not its socket answers). */
export function daemonHoldsLock(home: string): boolean {
  let fd: number | null;
  try {
    fd = tryLock(pathsFor(home).lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // no home: no daemon ever ran there
    throw err;
  }
  if (fd == null) return true;
  closeSync(fd);
  return false;
}

async function lockAutostart(home: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const fd = tryLock(join(home, 'autostart.lock'));
    if (fd != null) return fd;
    if (Date.now() > until) throw new Error(`appinit: another command has been starting the daemon for ${home} for ${timeoutMs / 1000}s; see ${pathsFor(home).daemonLog}`);
    await sleep(20);
  }
}

/**
 * Makes sure a daemon serves home, starting one in the background when none does. Returns the
 * pid of the daemon this call started, or null when one was already there (or another command
 * started it meanwhile): only one of many racing commands says "started the daemon".
 */
export async function ensureDaemon(home: string, env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  if (await answers(home)) return null;
  const { fixed } = secureHome(home);
  const paths = pathsFor(home);
  const lock = await lockAutostart(home, 30_000);
  try {
    if (await answers(home)) return null;
    // A live daemon whose socket does not answer (deleted, or busy starting): it recreates a
    // deleted socket within a second; starting a second daemon would only fail on its lock. A
    // dying one (killed a moment ago: a call that found it gone comes here at once) lets go of
    // the lock as it ends, and then one is started.
    const holder = await lockHolder(home);
    if (holder === 'answers') return null;
    if (holder === 'silent') throw new Error(`appinit: a daemon holds ${paths.lock} but does not answer on ${paths.socket}; see ${paths.daemonLog}`);
    const logStart = sizeOf(paths.daemonLog);
    const log = openSync(paths.daemonLog, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, daemonEntry(), 'daemon', '--background'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: daemonEnvironment(env, home),
      cwd: '/', // the daemon must not keep the caller's directory busy (or depend on it)
    });
    closeSync(log);
    child.unref();
    if (fixed.length) {
      const fd = openSync(paths.daemonLog, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
      try { writeSync(fd, fixed.map((f) => `${new Date().toISOString()} home: ${f}\n`).join('')); } finally { closeSync(fd); }
    }
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      if (await answers(home, 1000)) return child.pid ?? 0;
      if (child.exitCode != null) {
        if (await answers(home)) return null; // a foreground daemon won the race for the lock
        // It said why on its stderr, which is the log: pass that on, not just "see the log".
        const said = readFrom(paths.daemonLog, logStart).trim();
        if (said) throw new Error(said.startsWith('appinit: ') ? said : `appinit: ${said}`);
        break;
      }
      await sleep(25);
    }
    throw new Error(`appinit: the daemon did not start; see ${paths.daemonLog}`);
  } finally {
    closeSync(lock);
  }
}

/**
 * For `down`, which starts no daemon for nothing: 'answers' when a daemon serves home (waiting,
 * bounded, for one whose socket is being recreated; starting one when jobs outlived theirs, so
 * that they can be stopped), 'none' when nothing of appinit runs there. Throws when a daemon is
 * alive but unreachable: "no daemon was running" must never be said while jobs run.
 */
export async function reachOrExplain(home: string, onStart?: (pid: number) => void): Promise<'answers' | 'none'> {
  if (await answers(home)) return 'answers';
  const paths = pathsFor(home);
  const holder = await lockHolder(home);
  if (holder === 'answers') return 'answers';
  if (holder === 'silent') {
    let pid = '?';
    try { pid = readFrom(paths.daemonPid, 0).trim() || '?'; } catch { /* none */ }
    throw new Error(`appinit: a daemon (pid ${pid}) holds ${paths.lock} but does not answer on ${paths.socket}; see ${paths.daemonLog}`);
  }
  // Jobs outlived their daemon (kill -9): start one, which adopts them, so they can be stopped.
  if (orphanedJobs(paths.supervisePid)) {
    const pid = await ensureDaemon(home);
    if (pid != null) onStart?.(pid);
    return 'answers';
  }
  return 'none';
}
