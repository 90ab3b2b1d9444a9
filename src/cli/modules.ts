// Commands beyond the supervisor core, one register function per module, listed once here.
import type { Command } from 'commander';
import { registerProgramCommands } from './commands/adhoc.js';
import { registerJobCommands } from './jobs/commands.js';
import { registerMonitorCommands } from './monitor/commands.js';
import { registerResourceCommands } from './resources/deadlock.js';
import { registerScheduleCommands } from './schedule/commands.js';

/** Runs a command's work; main.ts awaits it and exits with its code. */
export type Runner = (work: () => Promise<number>) => void;

/** Adds a module's commands to the program. */
export type RegisterCommands = (program: Command, run: Runner) => void;

/** Every module's commands. */
export const COMMAND_MODULES: RegisterCommands[] = [registerProgramCommands, registerJobCommands, registerMonitorCommands, registerScheduleCommands, registerResourceCommands];
