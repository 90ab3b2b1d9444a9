// The API as a function: (ApiRequest) -> ApiResponse. Testable without a socket; the HTTP
// binding in http.ts only moves bytes.
import { parseSignal } from '../config/signals.js';
import { startInOrder, stopInOrder } from '../core/groups/run.js';
import type { Job, Supervisor } from '../core/supervisor/runtime.js';
import type { SpawnContext } from '../core/supervisor/spawn-request.js';
import type { PeerCred } from '../os/peercred.js';
import type { Db } from '../store/db.js';
import { queryRecords } from '../store/records.js';
import type { Health } from './health.js';
import { ApiError } from './errors.js';
import { MODULES } from './modules.js';
import { jobView } from './views.js';
import { selectJobs } from '../core/supervisor/select.js';

/** A parsed request. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  peer: PeerCred | null;
  /** Aborted when the caller goes away before the answer (a request that waits stops waiting). */
  signal?: AbortSignal;
}

/** A JSON response. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** What the handlers work on. */
export interface ApiContext {
  sup: Supervisor;
  db: Db;
  home: string;
  spawnCtx: SpawnContext;
  helperPid: () => number;
  startedAt: number;
  version: string;
  /** Stops everything and ends the daemon (after the response is sent). */
  down: () => void;
  /** Services modules started (scheduler, sampler), by module name. */
  services: Map<string, unknown>;
}

/** The `names` array of a request body. */
export function names(body: Record<string, unknown>): string[] {
  const n = body.names;
  if (!Array.isArray(n) || n.length === 0 || !n.every((x) => typeof x === 'string')) {
    throw new ApiError(400, 'usage', 'names: expected a non-empty array of program names (or ["all"])');
  }
  return n as string[];
}

/** Root sees every job; anyone else only their own. */
export function visible(ctx: ApiContext, req: ApiRequest, jobs: Job[]): Job[] {
  const uid = req.peer?.uid ?? 0;
  return uid === 0 ? jobs : jobs.filter((j) => j.ownerUid === uid);
}

export function select(ctx: ApiContext, req: ApiRequest, list: string[]): Job[] {
  try {
    return visible(ctx, req, ctx.sup.select(list));
  } catch (err) {
    throw new ApiError(404, 'not_found', (err as Error).message);
  }
}

/** One route's handler. */
export type Handler = (ctx: ApiContext, req: ApiRequest) => Promise<unknown> | unknown;
/** Routes by `METHOD /path`. */
export type RouteTable = Record<string, Handler>;

const coreRoutes: RouteTable = {
  'GET /v1/info': (ctx) => ({
    pid: process.pid, helperPid: ctx.helperPid(), home: ctx.home, version: ctx.version,
    uptime: (Date.now() - ctx.startedAt) / 1000, acct: ctx.sup.accounting.source,
    problems: (ctx.services.get('health') as Health | undefined)?.list() ?? [],
  }),

  'GET /v1/status': (ctx, req) => {
    // ?name=web&name=worker-*&name=web:* — names, globs, groups, %N (selectJobs' rules).
    const patterns = req.query.getAll('name').filter((n) => n !== '');
    let jobs = visible(ctx, req, [...ctx.sup.jobs.values()]);
    if (patterns.length) {
      try {
        jobs = selectJobs(jobs, patterns);
      } catch (err) {
        throw new ApiError(404, 'not_found', (err as Error).message);
      }
    }
    return jobs.sort((a, b) => a.number - b.number).map((j) => jobView(j));
  },

  // 'POST /v1/up' is in the programs module (src/api/programs/module.ts).

  'POST /v1/start': async (ctx, req) => {
    const jobs = select(ctx, req, names(req.body));
    await startInOrder(ctx.sup, jobs); // priority and after: lower first
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/stop': async (ctx, req) => {
    const jobs = select(ctx, req, names(req.body));
    await stopInOrder(ctx.sup, jobs); // the start order reversed
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/restart': async (ctx, req) => {
    const jobs = select(ctx, req, names(req.body));
    await stopInOrder(ctx.sup, jobs);
    await startInOrder(ctx.sup, jobs);
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/signal': (ctx, req) => {
    const sig = req.body.signal;
    let parsed;
    try {
      parsed = parseSignal(typeof sig === 'number' ? sig : String(sig));
    } catch (err) {
      throw new ApiError(400, 'usage', (err as Error).message);
    }
    const jobs = select(ctx, req, names(req.body));
    const sent = ctx.sup.signal(jobs, parsed.name);
    return { signal: parsed.name, sent };
  },

  'POST /v1/down': (ctx, req) => {
    if ((req.peer?.uid ?? 0) !== 0 && req.peer?.uid !== process.getuid?.()) throw new ApiError(403, 'forbidden', 'only the daemon\'s owner can stop it');
    setImmediate(ctx.down);
    return { stopping: true };
  },

  'GET /v1/acct': (ctx, req) => {
    const q = req.query;
    const uid = req.peer?.uid ?? 0;
    return queryRecords(ctx.db, {
      program: q.get('program') ?? undefined,
      command: q.get('command') ?? undefined,
      uid: uid === 0 ? (q.get('uid') != null ? Number(q.get('uid')) : undefined) : uid,
      since: q.get('since') != null ? Number(q.get('since')) : undefined,
      until: q.get('until') != null ? Number(q.get('until')) : undefined,
      limit: q.get('limit') != null ? Number(q.get('limit')) : undefined,
    });
  },
};

/** Handles one API request. */
export async function handle(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const key = `${req.method} ${req.path}`;
  const h = coreRoutes[key] ?? MODULES.find((m) => m.routes && key in m.routes)?.routes?.[key];
  if (!h) return { status: 404, body: { error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } } };
  return { status: 200, body: await h(ctx, req) };
}
