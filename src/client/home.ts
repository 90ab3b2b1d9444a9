// Where a client finds its daemon: APPINIT_HOME (or ~/.appinit) and the socket in it, or the
// system daemon's socket. The daemon keeps the full list in api/paths.ts; these names are the
// contract between the two (a test checks they agree), so the client loads nothing of the daemon's code.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** APPINIT_HOME, or ~/.appinit. */
export function appinitHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.APPINIT_HOME || join(homedir(), '.appinit'));
}

/** The daemon's control socket in a home. */
export function socketPath(home: string): string {
  return join(home, 'appinit.sock');
}

/** The daemon's own log in a home (where a background daemon writes). */
export function daemonLogPath(home: string): string {
  return join(home, 'daemon.log');
}

/** True when commands and the library talk to the system daemon (`--system`, APPINIT_SYSTEM=1). */
export function systemMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.APPINIT_SYSTEM === '1' || env.APPINIT_SYSTEM === 'true';
}

/** The system daemon's store directory: what `home` names for it (APPINIT_SYSTEM_HOME/lib or /var/lib/appinit). */
export function systemHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.APPINIT_SYSTEM_HOME ? join(resolve(env.APPINIT_SYSTEM_HOME), 'lib') : '/var/lib/appinit';
}

/** The system daemon's socket: /run/appinit/appinit.sock, or APPINIT_SYSTEM_HOME/run/appinit.sock. */
export function systemSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.APPINIT_SYSTEM_HOME ? join(resolve(env.APPINIT_SYSTEM_HOME), 'run', 'appinit.sock') : '/run/appinit/appinit.sock';
}
