// The daemon's entry when it runs bundled (dist/src/cli/appinit-daemon.cjs, scripts/build-cli.mjs):
// one file instead of ~300 ES modules for node to resolve, load and link, which was half of a
// daemon's CPU before it listened. Autostart and the bin's `appinit daemon` start this bundle when
// the build made it (api/daemon-entry-path.ts); boot units run main.ts, the same code unbundled.
import { prepareIfDaemon } from './daemon-prep.js';
import { runEveryVerb } from './every-verb.js';

// Any verb runs through this file as through main.ts; prepareIfDaemon touches only a daemon.
void prepareIfDaemon().then(runEveryVerb);
