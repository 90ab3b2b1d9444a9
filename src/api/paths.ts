// Where everything lives under APPINIT_HOME.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

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
