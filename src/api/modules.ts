// The daemon's modules beyond the supervisor core: each brings API routes, streamed
// endpoints, store migrations and a service started with the daemon. Listed here, once.
import type http from 'node:http';
import { acctModule } from './acct/module.js';
import { jobsModule } from './jobs/module.js';
import { logsModule } from './logs/module.js';
import { monitorModule } from './monitor/module.js';
import { resourcesModule } from './resources/module.js';
import { programsModule } from './programs/module.js';
import { scheduleModule } from './schedule/module.js';
import { svcModule } from './svc/module.js';
import type { ApiContext, RouteTable } from './routes.js';

/** A running service of a module (a scheduler, a sampler). */
export interface Service {
  stop(): void | Promise<void>;
}

/** One module of the daemon. */
export interface Module {
  name: string;
  /** Its own schema migrations, applied in order and tracked per module. */
  migrations?: string[];
  routes?: RouteTable;
  /** GET endpoints that stream (by path). */
  streams?: Record<string, (ctx: ApiContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void>;
  /** Started once the supervisor is ready; stopped before the daemon ends. */
  start?(ctx: ApiContext): Service | Promise<Service>;
}

/** Every module, in start order. */
export const MODULES: Module[] = [acctModule, logsModule, jobsModule, monitorModule, scheduleModule, programsModule, resourcesModule, svcModule];
