// Runs the command line with every group of verbs, each loaded when its verb runs: what the ES
// module entry (main.ts) and the daemon's bundled entry (daemon-entry.ts) both run.
import type { RegisterCommands } from './modules.js';
import type { GroupLoader } from './run.js';

export async function runEveryVerb(): Promise<void> {
  const [{ CORE_VERBS, registerCore }, { COMMAND_GROUPS }, { runCli }] = await Promise.all([import('./core.js'), import('./modules.js'), import('./run.js')]);
  const core = async (): Promise<RegisterCommands> => registerCore;
  // Which group defines each verb; a verb not listed (or --help) loads every group.
  const group = new Map<string, GroupLoader>(CORE_VERBS.map((v) => [v, core]));
  for (const g of COMMAND_GROUPS) for (const v of g.verbs) group.set(v, g.load);
  runCli(group, [core, ...COMMAND_GROUPS.map((g) => g.load)]);
}
