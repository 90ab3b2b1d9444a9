// Where a client finds its daemon: APPINIT_HOME (or ~/.appinit) and the socket in it. The daemon
// keeps the full list in api/paths.ts; these two names are the contract between the two (a test
// checks they agree), so the client loads nothing of the daemon's code.
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
