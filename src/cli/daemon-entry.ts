// The daemon's entry when it runs bundled (dist/src/cli/appinit-daemon.cjs, scripts/build-cli.mjs):
// one file instead of ~300 ES modules for node to resolve, load and link, which was half of a
// daemon's CPU before it listened. Autostart, `appinit daemon` and the boot units start this
// bundle when the build made it (api/daemon-entry-path.ts); main.ts runs the same code unbundled.
import { tuneDaemonV8 } from '../api/daemon-v8.js';
import { capArenas } from '../os/memory.js';
import { runEveryVerb } from './every-verb.js';

// Before the rest of the daemon loads (see main.ts): how V8 tiers its code, glibc's arenas. The
// boot units also run `down` through this file: a command is left as main.ts leaves it.
if (process.argv.slice(2).find((a) => !a.startsWith('-')) === 'daemon') {
  tuneDaemonV8();
  capArenas(2);
}
void runEveryVerb();
