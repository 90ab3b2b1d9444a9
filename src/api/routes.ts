// The API as a function: (ApiRequest) -> ApiResponse. Testable without a socket; app.ts
// composes these routes with the modules', and http.ts only moves bytes.
import { parseSignal } from '../config/signals.js';
import { startInOrder, stopInOrder } from '../core/groups/run.js';
import type { Job, Supervisor } from '../core/supervisor/runtime.js';
import type { SpawnContext } from '../core/supervisor/spawn-request.js';
import type { PeerCred } from '../os/peercred.js';
import type { Db } from '../store/db.js';
import { queryRecords } from '../store/records.js';
import { ApiError } from './errors.js';
import { queryNumber, queryText, signalArg, text, textList } from './input.js';
import type { Services } from './modules.js';
import type { SystemDirs } from './paths.js';
import { asColumns, asRows, jobView, jobViews, type DaemonInfo, type JobView, type RecordView, type ViewColumns, type ViewRows } from './views.js';
import { jobBySpec } from './jobs/module.js';
import { selectJobs } from '../core/supervisor/select.js';
import { visiblePipes } from './pipes/module.js';
import { NOT_PERMITTED, signalJobFor } from './signal-for.js';

/** A parsed request. `peer` is who the kernel says is calling: a request without one never gets here. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  peer: PeerCred;
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
  /** Set when this is the system daemon (`daemon --system`): its directories. */
  system?: SystemDirs;
  spawnCtx: SpawnContext;
  helperPid: () => number;
  /** How the helper keeps whole process trees: `v2:/path` (one cgroup per job) or `none` (sessions). */
  helperCgroup: () => string | null;
  startedAt: number;
  version: string;
  /** Stops everything and ends the daemon (after the response is sent). */
  down: () => void;
  /** Services modules started (scheduler, sampler), by module name; absent until started. */
  services: Services;
  /** Writes a line to the daemon's log (a 500's stack goes there, not to the caller). */
  log?: (line: string) => void;
  /** Called on `down` once the jobs have stopped, before connections close: a stream ends its answer whole. */
  closing?: Set<() => void>;
}

/** The `names` array of a request body. */
export function names(body: Record<string, unknown>): string[] {
  return textList(body.names, 'names', 'a non-empty array of program names (or ["all"])');
}

/** The uid the daemon runs as: it and root may do anything. */
export const DAEMON_UID = process.getuid?.() ?? 0;

/** Root sees every job; anyone else only their own. */
export function visible(_ctx: ApiContext, req: ApiRequest, jobs: Job[]): Job[] {
  const uid = req.peer.uid;
  return uid === 0 ? jobs : jobs.filter((j) => j.ownerUid === uid);
}

/** The caller's jobs that a list of names (or %N, or "all") selects; 404 when one names nothing. */
export function select(ctx: ApiContext, req: ApiRequest, list: string[]): Job[] {
  // Patterns are matched against the caller's own jobs only: another user's program reads as
  // missing, word for word as one that does not exist (even beside names that do match).
  try {
    return selectJobs(visible(ctx, req, [...ctx.sup.jobs.values()]), list);
  } catch (err) {
    throw new ApiError('not_found', (err as Error).message);
  }
}

/** One route's handler. */
export type Handler = (ctx: ApiContext, req: ApiRequest) => Promise<unknown> | unknown;
/** Routes by `METHOD /path`. */
export type RouteTable = Record<string, Handler>;

/** After `up` changed the programs: the services that plan from them are told (a call, not a trigger). */
export function programsLoaded(ctx: ApiContext): void {
  ctx.services.schedule?.programsChanged();
}

/** The caller's jobs as `status` shows them, by job number; ?name=web&name=worker-*&name=web:* — names, globs, groups, %N (selectJobs' rules). */
function statusViews(ctx: ApiContext, req: ApiRequest): JobView[] {
  const patterns = req.query.getAll('name').filter((n) => n !== '').map((n) => text(n, 'name'));
  let jobs = visible(ctx, req, [...ctx.sup.jobs.values()]);
  if (patterns.length) {
    try {
      jobs = selectJobs(jobs, patterns);
    } catch (err) {
      throw new ApiError('not_found', (err as Error).message);
    }
  }
  return jobViews(jobs.sort((a, b) => a.number - b.number));
}

/** The supervisor's own routes: info, status, up, start, stop, restart, signal, down, acct. */
export const coreRoutes: RouteTable = {
  'GET /v1/info': (ctx): DaemonInfo => ({
    pid: process.pid, helperPid: ctx.helperPid(), home: ctx.home, version: ctx.version,
    uptime: (Date.now() - ctx.startedAt) / 1000, acct: ctx.sup.accounting.source, cgroup: ctx.helperCgroup(),
    problems: ctx.services.health?.list() ?? [],
  }),

  // What `appinit status` shows in one call: the jobs (as GET /v1/status) and the daemon's problems (as info).
  'GET /v1/overview': async (ctx, req) => ({
    jobs: statusViews(ctx, req),
    problems: ctx.services.health?.list() ?? [],
    pipes: await visiblePipes(ctx, req),
  }),

  // ?form=rows: the same views as { keys, rows } (asRows); ?form=columns: as { keys, count, same,
  // columns } (asColumns), which the typed client asks for (it falls back to rows with an older daemon).
  'GET /v1/status': (ctx, req): JobView[] | ViewRows | ViewColumns => {
    const views = statusViews(ctx, req);
    const form = req.query.get('form');
    if (form != null && form !== 'rows' && form !== 'columns') throw new ApiError(400, 'usage', 'form: expected rows or columns (or nothing: one object per job)');
    if (form === 'columns') return asColumns(views) ?? views;
    return (form === 'rows' && asRows(views)) || views;
  },

  // 'POST /v1/up' is in the programs module (src/api/programs/module.ts).

  'POST /v1/start': async (ctx, req): Promise<JobView[]> => {
    const jobs = select(ctx, req, names(req.body));
    await startInOrder(ctx.sup, jobs); // priority and after: lower first
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/stop': async (ctx, req): Promise<JobView[]> => {
    const jobs = select(ctx, req, names(req.body));
    await stopInOrder(ctx.sup, jobs); // the start order reversed
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/restart': async (ctx, req): Promise<JobView[]> => {
    const jobs = select(ctx, req, names(req.body));
    await stopInOrder(ctx.sup, jobs, { startAgain: true });
    // A `stop` while the restart stopped them is the last word: those stay stopped.
    await startInOrder(ctx.sup, ctx.sup.stillToStart(jobs));
    return jobs.map((j) => jobView(j));
  },

  'POST /v1/signal': (ctx, req) => {
    let parsed;
    try {
      parsed = parseSignal(signalArg(req.body.signal, ''));
    } catch (err) {
      throw new ApiError('usage', (err as Error).message);
    }
    const jobs = select(ctx, req, names(req.body));
    // Each job's group as kill(2) would signal it for the caller: a job whose every process is
    // one the caller may not signal (it became root) is refused, as kill(1) is.
    let sent = 0;
    const refused: { name: string; job: number; error: string }[] = [];
    for (const j of jobs) {
      const r = signalJobFor(ctx, req.peer.uid, j, parsed);
      if (r === 'sent') sent++;
      else if (r === 'denied') refused.push({ name: j.spec.name, job: j.number, error: NOT_PERMITTED });
    }
    return { signal: parsed.name, sent, refused };
  },

  'POST /v1/down': (ctx, req) => {
    if (req.peer.uid !== 0 && req.peer.uid !== DAEMON_UID) throw new ApiError('forbidden', 'only the daemon\'s owner can stop it');
    setImmediate(ctx.down);
    return { stopping: true };
  },

  // Anyone but root reads only their own records; `uid` is honoured for root. The store's rows
  // are RecordView's fields (a store column the API should not show must be left out here).
  'GET /v1/acct': (ctx, req): RecordView[] => {
    const q = req.query;
    const asked = queryNumber(q, 'uid', { integer: true, min: 0 });
    // `%N` (or N): that job's records, by its id; one that names no job of the caller's is an error.
    const spec = queryText(q, 'job');
    const job = spec == null ? undefined : jobBySpec(ctx, req, spec.startsWith('%') ? spec : `%${spec}`);
    const numberOf = new Map<number, number>();
    for (const j of visible(ctx, req, [...ctx.sup.jobs.values()])) numberOf.set(j.id, j.number);
    return queryRecords(ctx.db, {
      job: job?.id,
      program: queryText(q, 'program'),
      command: queryText(q, 'command'),
      uid: req.peer.uid === 0 ? asked : req.peer.uid,
      since: queryNumber(q, 'since'),
      until: queryNumber(q, 'until'),
      limit: queryNumber(q, 'limit', { integer: true, min: 0 }),
    }).map((r) => ({ ...r, number: r.job != null ? numberOf.get(r.job) ?? null : null }));
  },
};
