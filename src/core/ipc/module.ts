// The daemon's ipc module: the store table of the objects made for control files, and a service
// that cleans up after a crash (at start); `down` removes them in api/daemon.ts once jobs stopped.
import type { Module } from '../../api/modules.js';
import type { ApiContext } from '../../api/routes.js';
import { isResting } from '../supervisor/job.js';
import { forgetVanished, removeAll } from './manager.js';
import { IPC_MIGRATIONS } from './store.js';

const nothingRuns = (ctx: ApiContext) => [...ctx.sup.jobs.values()].every((j) => isResting(j) && j.want !== 'up');

/** The ipc module (store migrations and the cleanup service). */
export const ipcModule: Module<'ipc'> = {
  name: 'ipc',
  migrations: IPC_MIGRATIONS,
  start(ctx) {
    forgetVanished(ctx.db);
    // A daemon that crashed with its jobs (nothing runs, nothing is wanted up) left its objects:
    // nobody can be using them, so they go. Jobs that survived it still use theirs: those stay.
    if (nothingRuns(ctx)) {
      const n = removeAll(ctx.db);
      if (n) ctx.log?.(`appinit: removed ${n} System V object(s) left by an earlier daemon`);
    }
    // Removal on `down` happens in the daemon's down(), after every job stopped (services stop
    // before the jobs do, so the objects must outlive this service).
    return { stop() {} };
  },
};
