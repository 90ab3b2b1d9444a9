// The package's `bin`, bundled with what its verbs use into one CommonJS file (dist/src/cli/
// appinit.cjs, scripts/build-cli.mjs): the commands run many times a day (status, ps, jobs,
// logs, ...) start from one file instead of ~30 ES modules, without the ES module loader. The
// daemon runs from its own bundle (appinit-daemon.cjs, daemon-entry.ts) when the build made it;
// every other verb and --help from the ES module entry (main.js), so no command mixes bundled and
// unbundled copies of a module.
import { pathToFileURL } from 'node:url';
import { daemonEntry } from '../api/daemon-entry-path.js';
import { HOT_GROUPS } from './hot-groups.js';
import { runCli, verbOf, wantsHelp } from './run.js';

const verb = verbOf(process.argv);
const group = HOT_GROUPS.find((g) => verb !== undefined && g.verbs.includes(verb));
if (group && !wantsHelp(process.argv)) {
  runCli(new Map(group.verbs.map((v) => [v, group.load])), [group.load]);
} else {
  // The daemon from the file autostart runs (api/daemon-entry-path.ts: its bundle when the build
  // made it); every other verb, and --help, from the ES module entry next to this file (in the
  // bundle, import.meta is this file's: build-cli.mjs).
  const entry = verb === 'daemon' && !wantsHelp(process.argv) ? pathToFileURL(daemonEntry()).href : './main.js';
  void import(new URL(entry, import.meta.url).href);
}
