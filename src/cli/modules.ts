// Commands beyond the supervisor core, one group per module, listed once here with the verbs each
// defines: a start loads only the group of its verb (main.ts), so a verb must be listed here.
import type { Command } from './args.js';

/** Runs a command's work; main.ts awaits it and exits with its code. */
export type Runner = (work: () => Promise<number>) => void;

/** Adds a module's commands to the program. */
export type RegisterCommands = (program: Command, run: Runner) => void;

/** A module's commands: the verbs it defines, and how to load its register function. */
export interface CommandGroup {
  verbs: readonly string[];
  load: () => Promise<RegisterCommands>;
}

/** Every module's commands. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { verbs: ['logs', 'tail'], load: async () => (await import('./commands/logs.js')).registerLogCommands },
  { verbs: ['up', 'start', 'delete', 'del', 'list', 'ls', 'describe', 'scale'], load: async () => (await import('./commands/adhoc.js')).registerProgramCommands },
  { verbs: ['run', 'jobs', 'fg', 'bg', 'kill', 'pkill', 'wait'], load: async () => (await import('./jobs/commands.js')).registerJobCommands },
  { verbs: ['ps', 'pstree', 'top', 'stat', 'history', 'times', 'monit'], load: async () => (await import('./monitor/commands.js')).registerMonitorCommands },
  { verbs: ['at', 'atq', 'atrm', 'batch', 'crontab', 'cron'], load: async () => (await import('./schedule/commands.js')).registerScheduleCommands },
  { verbs: ['lock', 'sem', 'mq', 'deadlock'], load: async () => (await import('./resources/deadlock.js')).registerResourceCommands },
  { verbs: ['ipcs', 'ipcrm'], load: async () => (await import('./ipc/commands.js')).registerIpcCommands },
  { verbs: ['import', 'startup', 'unstartup', 'update'], load: async () => (await import('./startup/commands.js')).registerPortCommands },
  { verbs: ['web'], load: async () => (await import('./web/commands.js')).registerWebCommands },
  { verbs: ['reload', 'open'], load: async () => (await import('./commands/sockets.js')).registerSocketCommands },
];
