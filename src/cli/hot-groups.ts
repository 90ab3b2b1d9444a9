// Which verbs the bundled entry (hot.ts) runs itself: the commands run many times a day. Their
// verbs are those main.ts and modules.ts give the same groups (test/unit/cli/hot-groups.test.ts).
import { CORE_VERBS, registerCore } from './core.js';
import type { RegisterCommands } from './modules.js';
import type { GroupLoader } from './run.js';

/** The verbs hot.ts runs itself, with the group that defines each; `daemon` is not one of them. */
export const HOT_GROUPS: readonly { verbs: readonly string[]; load: GroupLoader }[] = [
  { verbs: CORE_VERBS.filter((v) => v !== 'daemon'), load: async (): Promise<RegisterCommands> => registerCore },
  { verbs: ['logs', 'tail'], load: async () => (await import('./commands/logs.js')).registerLogCommands },
  { verbs: ['up', 'start', 'delete', 'del', 'list', 'ls', 'describe', 'scale'], load: async () => (await import('./commands/adhoc.js')).registerProgramCommands },
  { verbs: ['run', 'jobs', 'fg', 'bg', 'kill', 'pkill', 'wait'], load: async () => (await import('./jobs/commands.js')).registerJobCommands },
  { verbs: ['ps', 'pstree', 'top', 'stat', 'history', 'times', 'monit'], load: async () => (await import('./monitor/commands.js')).registerMonitorCommands },
  // flock(1)'s use: `appinit lock NAME -- CMD` in scripts and cron lines, run as often as they run.
  { verbs: ['lock', 'sem', 'mq', 'deadlock'], load: async () => (await import('./resources/deadlock.js')).registerResourceCommands },
];
