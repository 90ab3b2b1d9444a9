// Pipes and FIFOs between programs (issue 12): the run-time service (EOF for readers of a
// producer that ended for good), `GET /v1/pipes` (each pipe and its fill level), and the FIFOs
// appinit made, removed when the daemon goes down.
import { removeFifos } from '../../core/pipes/fifos.js';
import { PipesService, type PipeView } from '../../core/pipes/service.js';
import type { Module } from '../modules.js';
import { visible, type ApiContext, type ApiRequest } from '../routes.js';

export type { PipeView };

/** The pipes the caller may see: those whose producer or a reader is one of the caller's jobs
 *  (on a system daemon a user sees only their own). No helper round trip when nothing is piped. */
export async function visiblePipes(ctx: ApiContext, req: ApiRequest): Promise<PipeView[]> {
  const all = [...ctx.sup.jobs.values()];
  if (!all.some((j) => j.spec.stdin.kind === 'program')) return [];
  const mine = new Set(visible(ctx, req, all).map((j) => j.program ?? j.spec.name));
  return ((await ctx.services.pipes?.status()) ?? [])
    .filter((p) => mine.has(p.name.slice(0, p.name.lastIndexOf('.'))) || p.readers.some((r) => mine.has(r.name)));
}

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
    'GET /v1/pipes': (ctx, req): Promise<PipeView[]> => visiblePipes(ctx, req),
  },
  start,
};
