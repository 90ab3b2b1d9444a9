// How V8 tiers up the daemon's code. The daemon's work comes in bursts (an `up` of 500 programs
// runs the same few hundred functions 500 times in a few hundred ms) and then idles; with V8's
// default budget most of them become hot within the burst and are compiled again by TurboFan on
// V8's worker threads, on the same two cores as the helper and the children it is starting:
// 185-230 ms of worker CPU in a first `up` of 500, against 51-57 ms with four times the budget
// (whole-daemon CPU 379-457 -> 233-271 ms, 5 + 5 rounds alternated). What runs all the time (a
// restart loop, the sampler) is optimized all the same, a little later.
import { setFlagsFromString } from 'node:v8';

/** V8's --interrupt-budget for the daemon: four times node 20's default (66 KiB of bytecode). */
export const DAEMON_INTERRUPT_BUDGET = 4 * 66 * 1024;

/** Sets the daemon's budget, unless node was given one (`node --interrupt-budget=N`, NODE_OPTIONS):
 *  whoever set it is measuring something. Returns whether it was set. Call before the daemon's
 *  modules load: a function's budget is read when V8 gives it one. */
export function tuneDaemonV8(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--interrupt[-_]budget(=|$)/.test(a))) return false;
  setFlagsFromString(`--interrupt-budget=${DAEMON_INTERRUPT_BUDGET}`);
  return true;
}
