// The daemon's modules beyond the supervisor core: each brings API routes, streamed
// endpoints, store migrations and a service started with the daemon. Listed here, once.
import type http from 'node:http';
import type { Scheduler } from '../core/scheduler/scheduler.js';
import type { Health } from './health.js';
import type { LogsService } from './logs/module.js';
import type { StoreGuard } from './store-guard.js';
import { acctModule } from './acct/module.js';
import { ipcModule } from '../core/ipc/module.js';
import { jobsModule } from './jobs/module.js';
import { logsModule } from './logs/module.js';
import { monitorModule } from './monitor/module.js';
import type { SamplerInfo } from './monitor/routes.js';
import { resourcesModule } from './resources/module.js';
import { programsModule } from './programs/module.js';
import { pipesModule, type PipesModuleService } from './pipes/module.js';
import { scheduleModule } from './schedule/module.js';
import { svcModule } from './svc/module.js';
import { webModule, type WebService } from './web/module.js';
import { socketsModule } from './sockets/module.js';
import type { ApiContext, ApiRequest, RouteTable } from './routes.js';

/** A running service of a module (a scheduler, a sampler). */
export interface Service {
  stop(): void | Promise<void>;
}

/** What each module's start() gives, by module name: routes reach services through this type. */
export interface ServiceMap {
  logs: LogsService;
  jobs: Service;
  monitor: Service & SamplerInfo;
  schedule: Scheduler;
  resources: Service;
  programs: Service;
  svc: Service;
  accounting: Service;
  web: WebService;
  ipc: Service;
  sockets: Service;
  pipes: PipesModuleService;
}

/** What the daemon itself keeps for the routes, beside the modules' services. */
export interface DaemonServices {
  /** Problems the daemon knows of (appinit info). */
  health: Health;
  /** Says whether a failure is a full disk, and degrades while it lasts. */
  storeGuard: StoreGuard;
}

/** The services running now (absent until their module started). */
export type Services = Partial<ServiceMap & DaemonServices>;

/** A GET endpoint that streams: it gets the same request (and caller) as any route. */
export type StreamHandler = (ctx: ApiContext, req: ApiRequest, res: http.ServerResponse, httpReq: http.IncomingMessage) => void;

/** One module of the daemon. */
export interface Module<K extends keyof ServiceMap = keyof ServiceMap> {
  name: K;
  /** Its own schema migrations, applied in order and tracked per module. */
  migrations?: string[];
  routes?: RouteTable;
  /** GET endpoints that stream (by path). */
  streams?: Record<string, StreamHandler>;
  /** Started once the supervisor is ready; stopped before the daemon ends. */
  start?(ctx: ApiContext): ServiceMap[K] | Promise<ServiceMap[K]>;
}

/** Every module, in start order. */
export const MODULES: Module[] = [acctModule, logsModule, jobsModule, monitorModule, scheduleModule, programsModule, resourcesModule, svcModule, webModule, ipcModule, socketsModule, pipesModule as Module];
