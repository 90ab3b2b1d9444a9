// The package's `bin`, bundled with what its verbs use into one CommonJS file (dist/src/cli/
// appinit.cjs, scripts/build-cli.mjs): the commands run many times a day (status, ps, jobs,
// logs, ...) start from one file instead of ~30 ES modules, without the ES module loader. Every
// other verb, --help and the daemon run from the ES module entry (main.js) as they always did,
// so no command mixes bundled and unbundled copies of a module.
import { HOT_GROUPS } from './hot-groups.js';
import { runCli, verbOf, wantsHelp } from './run.js';

const verb = verbOf(process.argv);
const group = HOT_GROUPS.find((g) => verb !== undefined && g.verbs.includes(verb));
if (group && !wantsHelp(process.argv)) {
  runCli(new Map(group.verbs.map((v) => [v, group.load])), [group.load]);
} else {
  // The ES module entry next to this file (in the bundle, import.meta is this file's: build-cli.mjs).
  void import(new URL('./main.js', import.meta.url).href);
}
