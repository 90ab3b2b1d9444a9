// The sockets module (issue 12): `reload` (a new instance on the same sockets, the old one stopped
// once the new one is ready), the open server (`appinit open`, on open.sock), and letting the
// helper close the sockets and descriptor stores no job uses any more.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../../config/program.js';
import type { Server } from 'node:net';
import { grantsOf } from '../../core/sockets/grants.js';
import { startOpenServer } from '../../core/sockets/open-server.js';
import { ReloadError, reloadJobs } from '../../core/sockets/reload.js';
import { watchReleases } from '../../core/sockets/release.js';
import { isResting } from '../../core/supervisor/runtime.js';
import { lookupUser } from '../../os/proc/index.js';
import { ApiError } from '../errors.js';
import type { Module, Service } from '../modules.js';
import { pathsFor } from '../paths.js';
import { DAEMON_UID, names, select, type ApiContext } from '../routes.js';

const uidOf = (user: string | null): number | null => (user == null ? DAEMON_UID : /^\d+$/.test(user) ? Number(user) : lookupUser(user)?.uid ?? null);

// Only files loaded by root or the daemon's owner grant anything: root's daemon opens with its own
// rights (a user's file is refused at load by api/owner.ts; one stored before that is ignored here).
function grantors(ctx: ApiContext): Program[] {
  const trusted = new Set([...ctx.sup.jobs.values()].filter((j) => j.ownerUid === 0 || j.ownerUid === DAEMON_UID).map((j) => j.spec.name));
  return ctx.sup.programs().filter((p) => trusted.has(p.name));
}

// Programs with a reload in progress, per daemon (a test may run several in one process).
const inProgress = new WeakMap<object, Set<string>>();

/** The sockets module. */
export const socketsModule: Module<'sockets'> = {
  name: 'sockets',
  routes: {
    // Reload: each live instance of the named programs in turn; a program with none running is an error.
    'POST /v1/reload': async (ctx, req) => {
      const jobs = select(ctx, req, names(req.body)).filter((j) => !isResting(j) && j.state !== 'stopping');
      if (jobs.length === 0) throw new ApiError('not_running', `reload: nothing of ${names(req.body).join(', ')} is running; use start`);
      // One reload of a program at a time: a second one would take the first one's new instance for an old one.
      const programs = [...new Set(jobs.map((j) => j.spec.name))];
      const reloading = inProgress.get(ctx.sup) ?? new Set<string>();
      inProgress.set(ctx.sup, reloading);
      const busy = programs.filter((p) => reloading.has(p));
      if (busy.length) throw new ApiError('busy', `reload: ${busy.join(', ')} is being reloaded already`);
      for (const p of programs) reloading.add(p);
      try {
        return await reloadJobs(ctx.sup, jobs);
      } catch (err) {
        if (err instanceof ReloadError) throw new ApiError('not_ready', `reload: ${err.message}; the old instance keeps running`);
        throw err;
      } finally {
        for (const p of programs) reloading.delete(p);
      }
    },
  },
  async start(ctx): Promise<Service> {
    const unwatch = watchReleases(ctx.sup);
    // The system daemon's: in run/ beside the control socket (lib/ is root's 0700), where every user reaches it.
    const path = ctx.system ? join(ctx.system.run, 'open.sock') : pathsFor(ctx.home).openSocket;
    rmSync(path, { force: true }); // left by a daemon that was killed: this daemon holds the home now
    let server: Server | null = null;
    try {
      server = await startOpenServer(path, () => grantsOf(grantors(ctx), uidOf), ctx.log ?? ((l) => process.stderr.write(`${l}\n`)));
    } catch (err) {
      (ctx.log ?? console.error)(`appinit: the open server could not listen on ${path}: ${(err as Error).message}`);
    }
    return {
      stop: () => new Promise<void>((resolve) => {
        unwatch();
        if (!server) return resolve();
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
    };
  },
};
