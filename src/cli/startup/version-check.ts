// After `npm i -g appinit@VERSION` the old daemon keeps running the old code until it hands over:
// every command says so (as PM2's "In-memory PM2 is out-of-date"), from one small file the daemon
// writes at start, so no request is spent on it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../../api/package-version.js';

/** The version the daemon serving `home` runs, or null when none wrote it. */
export function daemonVersion(home: string): string | null {
  try {
    return readFileSync(join(home, 'daemon.version'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The line to print when this CLI and the daemon of `home` are different versions, else null. */
export function versionMismatch(home: string, mine = packageVersion()): string | null {
  const theirs = daemonVersion(home);
  if (theirs == null || theirs === mine || mine === '0.0.0') return null;
  return `the daemon runs appinit ${theirs}, this command is ${mine}: run \`appinit update\` to hand its jobs to a ${mine} daemon (they keep running)`;
}

/** Prints the mismatch line on stderr, if any. */
export function warnVersion(home: string): void {
  const line = versionMismatch(home);
  if (line) process.stderr.write(`appinit: ${line}\n`);
}
