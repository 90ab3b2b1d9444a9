// Where everything lives under APPINIT_HOME, or, for the system daemon, under /run, /var/lib,
// /var/spool and /var/log (or all under APPINIT_SYSTEM_HOME).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The directories of the system daemon (`appinit daemon --system`). */
export interface SystemDirs {
  /** APPINIT_SYSTEM_HOME when set (everything under it), else null (the FHS places). */
  root: string | null;
  /** The control socket's directory (mode 0755; the socket is 0666). */
  run: string;
  /** The store, locks and the helper (root only, 0700). */
  lib: string;
  /** at job files and cron's `%` input, each owned by its user (0711: nobody can list it). */
  spool: string;
  /** Programs' logs (0755; each program's directory 0711, its files its user's, 0600). */
  log: string;
  /** at.allow, at.deny, cron.allow, cron.deny. */
  etc: string;
}

/** The files of one appinit home. */
export interface Paths {
  home: string;
  socket: string;
  db: string;
  logs: string;
  daemonLog: string;
  daemonPid: string;
  lock: string;
  superviseSocket: string;
  supervisePid: string;
  superviseLog: string;
  /** The open server's socket (`appinit open`, mode 0666: the grants decide). */
  openSocket: string;
  /** Set for the system daemon. */
  system?: SystemDirs;
}

/** APPINIT_HOME, or ~/.appinit. */
export function appinitHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.APPINIT_HOME || join(homedir(), '.appinit'));
}

/** Every path under a home. */
export function pathsFor(home: string): Paths {
  return {
    home,
    socket: join(home, 'appinit.sock'),
    db: join(home, 'state.db'),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'daemon.log'),
    daemonPid: join(home, 'daemon.pid'),
    lock: join(home, 'daemon.lock'),
    superviseSocket: join(home, 'supervise.sock'),
    supervisePid: join(home, 'supervise.pid'),
    superviseLog: join(home, 'supervise.log'),
    openSocket: join(home, 'open.sock'),
  };
}

/** The system daemon's directories: APPINIT_SYSTEM_HOME=DIR gives DIR/{run,lib,spool,log,etc}. */
export function systemDirs(env: NodeJS.ProcessEnv = process.env): SystemDirs {
  const root = env.APPINIT_SYSTEM_HOME ? resolve(env.APPINIT_SYSTEM_HOME) : null;
  if (root) return { root, run: join(root, 'run'), lib: join(root, 'lib'), spool: join(root, 'spool'), log: join(root, 'log'), etc: join(root, 'etc') };
  return { root: null, run: '/run/appinit', lib: '/var/lib/appinit', spool: '/var/spool/appinit', log: '/var/log/appinit', etc: '/etc' };
}

/** Every path of the system daemon: the store in lib, the socket in run, programs' logs in log. */
export function systemPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const dirs = systemDirs(env);
  return { ...pathsFor(dirs.lib), socket: join(dirs.run, 'appinit.sock'), logs: dirs.log, system: dirs };
}

/** Where a daemon's `down` names the processes that outlived SIGKILL, for the `appinit down` waiting
 *  for it (beside its pid file; removed by the command that reads it). */
export function downLeftFile(daemonPidFile: string): string {
  return join(dirname(daemonPidFile), 'down.left');
}
