// `appinit ipcs` and `appinit ipcrm`: the kernel's System V objects (util-linux's layout, options,
// messages and statuses) and appinit's own resources.
import type { Command } from '../args.js';
import type { Runner } from '../modules.js';
import { ipcrm } from './ipcrm.js';
import { ipcs } from './ipcs.js';

/** Registers ipcs and ipcrm. */
export function registerIpcCommands(program: Command, run: Runner): void {
  program.command('ipcs').description('System V message queues, semaphore arrays and shared memory (util-linux layout, with the job of each), then appinit\'s resources')
    .option('-q, --queues', 'message queues').option('-s, --semaphores', 'semaphore arrays').option('-m, --shmems', 'shared memory segments')
    .option('-a, --all', 'all three (the default)').option('--json', 'print JSON')
    .action((o) => run(() => ipcs(o)));
  program.command('ipcrm [args...]').description('remove System V objects as util-linux ipcrm (-q ID -Q KEY -s ID -S KEY -m ID -M KEY, -a[=shm|msg|sem], ipcrm shm|msg|sem ID...); bare NAMEs remove appinit resources')
    .allowUnknownOption().allowExcessArguments()
    .action((args: string[]) => run(() => ipcrm(args ?? [])));
}
