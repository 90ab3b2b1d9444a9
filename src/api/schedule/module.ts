// The schedule module: the at queue, crontabs and the control file's cron and at programs,
// their store, their routes, and the scheduler that runs with the daemon.
import { Scheduler } from '../../core/scheduler/scheduler.js';
import { SCHEDULE_MIGRATIONS } from '../../store/schedule.js';
import type { Module } from '../modules.js';
import { pathsFor } from '../paths.js';
import { scheduleRoutes } from './routes.js';

/** at, atq, atrm, crontab, cron list. */
export const scheduleModule: Module = {
  name: 'schedule',
  migrations: SCHEDULE_MIGRATIONS,
  routes: scheduleRoutes,
  // A run's log files are made ahead of its second, except by the system daemon (their owner is
  // the job's user, given at the spawn).
  start: (ctx) => new Scheduler(ctx.sup, ctx.db, ctx.home, { spool: ctx.system?.spool, logs: ctx.system ? null : pathsFor(ctx.home).logs }).start(),
};
