// Which file a daemon runs when autostarted or started by the bin's `appinit daemon`: the daemon's bundle when the build made it (one file,
// listening ~150 ms sooner: src/cli/daemon-entry.ts), else the ES module entry. Boot units keep
// naming main.js (cli/startup), which any version has.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The daemon's bundle, written by scripts/build-cli.mjs. */
export const DAEMON_BUNDLE = fileURLToPath(new URL('../cli/appinit-daemon.cjs', import.meta.url));
/** The command line's ES module entry, which runs a daemon unbundled. */
const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** The file node runs for `daemon` (autostart, and the bin: cli/hot.ts). */
export function daemonEntry(): string {
  return existsSync(DAEMON_BUNDLE) ? DAEMON_BUNDLE : CLI_MAIN;
}
