// Pipes and FIFOs between programs (issue 12): the run-time service (EOF for readers of a
// producer that ended for good), `GET /v1/pipes` (each pipe and its fill level), and the FIFOs
// appinit made, removed when the daemon goes down.
import { removeFifos } from '../../core/pipes/fifos.js';
import { PipesService, type PipeView } from '../../core/pipes/service.js';
import type { Module } from '../modules.js';
import type { ApiContext } from '../routes.js';

export type { PipeView };

/** The service as routes see it. */
export interface PipesModuleService {
  status(): Promise<PipeView[]>;
  stop(): void;
}

function start(ctx: ApiContext): PipesModuleService {
  const svc = new PipesService(ctx.sup);
  return {
    status: () => svc.status(),
    stop() {
      svc.stop();
      // Services stop only on `down` (every job stops with the daemon): the FIFOs go with them.
      try { removeFifos(ctx.db); } catch { /* the store is going away: nothing to undo */ }
    },
  };
}

/** Pipes between programs. */
export const pipesModule: Module<'pipes'> = {
  name: 'pipes',
  routes: {
    'GET /v1/pipes': async (ctx): Promise<PipeView[]> => (await ctx.services.pipes?.status()) ?? [],
  },
  start,
};
