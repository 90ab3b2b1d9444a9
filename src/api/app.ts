// The API composed once: the core routes and every module's routes and streams in one table,
// the services started in order, and errors mapped in one place — an ApiError to its code's
// status, anything else to a plain 500 whose stack goes to the daemon's log, never the caller.
import { BODIES, checkBody, type Body } from './bodies.js';
import { ApiError, errorBody } from './errors.js';
import { MODULES, type Module, type Service, type StreamHandler } from './modules.js';
import { coreRoutes, type ApiContext, type ApiRequest, type ApiResponse, type Handler } from './routes.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** The API of one daemon: a function from request to response, and its streamed endpoints. */
export interface App {
  /** Answers one request; never throws. */
  handle(req: ApiRequest): Promise<ApiResponse>;
  /** The streamed endpoint for a GET of this path, if there is one. */
  stream(method: string, path: string): StreamHandler | undefined;
  /** Answers a failure of a streamed endpoint as handle() answers one of a route. */
  failure(req: ApiRequest, err: unknown): ApiResponse;
}

// A route: its handler and, for a POST, the fields its body may have (bodies.ts).
interface Route {
  handler: Handler;
  body?: Body;
}

function compose(modules: readonly Module[]): { routes: Map<string, Route>; streams: Map<string, StreamHandler> } {
  const routes = new Map<string, Route>();
  const streams = new Map<string, StreamHandler>();
  const add = (owner: string, key: string, handler: Handler): void => {
    if (routes.has(key)) throw new Error(`${owner}: route ${key} is already defined`);
    const body = Object.hasOwn(BODIES, key) ? BODIES[key] : undefined;
    // A POST route that declares no body would take any field unchecked: refused at build time.
    if (key.startsWith('POST ') && !body) throw new Error(`${owner}: route ${key} declares no body in src/api/bodies.ts`);
    routes.set(key, { handler, body });
  };
  for (const [key, h] of Object.entries(coreRoutes)) add('core', key, h);
  for (const m of modules) {
    for (const [key, h] of Object.entries(m.routes ?? {})) add(`module ${m.name}`, key, h);
    for (const [path, s] of Object.entries(m.streams ?? {})) {
      if (streams.has(path)) throw new Error(`module ${m.name}: stream ${path} is already defined`);
      streams.set(path, s);
    }
  }
  return { routes, streams };
}

/** Builds the API for a daemon's context (the modules default to every module). */
export function createApp(ctx: ApiContext, modules: readonly Module[] = MODULES): App {
  const { routes, streams } = compose(modules);
  const log = ctx.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const failure = (req: ApiRequest, err: unknown): ApiResponse => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err) };
    // A full disk is a state of the daemon, not a bug: say so (507), and let the guard degrade.
    if (ctx.services.storeGuard?.failed(err)) {
      const e = new ApiError('disk_full', `the disk holding ${ctx.home} is full: this change could not be stored; jobs keep running (see appinit info)`);
      return { status: e.status, body: errorBody(e) };
    }
    log(`appinit: internal error in ${req.method} ${req.path}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    const e = new ApiError('internal', `internal error in ${req.method} ${req.path}; the daemon's log (${ctx.home}/daemon.log) has the details`);
    return { status: e.status, body: errorBody(e) };
  };
  return {
    async handle(req) {
      const key = `${req.method} ${req.path}`;
      const r = routes.get(key);
      if (!r) {
        // The path is there with other methods: 405 naming them (DELETE /v1/status was a 404).
        const allowed = METHODS.filter((m) => routes.has(`${m} ${req.path}`) || (m === 'GET' && streams.has(req.path)));
        if (allowed.length) return failure(req, new ApiError('method_not_allowed', `${req.path} takes ${allowed.join(' or ')}, not ${req.method}`, allowed));
        return failure(req, new ApiError('not_found', `no route ${key}`));
      }
      try {
        // Before the handler: a body with an unknown or mistyped field changes nothing.
        if (r.body) checkBody(key, r.body, req.body);
        return { status: 200, body: await r.handler(ctx, req) };
      } catch (err) {
        return failure(req, err);
      }
    },
    stream: (method, path) => (method === 'GET' ? streams.get(path) : undefined),
    failure,
  };
}

/** Starts every module's service in order, into ctx.services; returns them for stopping in reverse. */
export async function startServices(ctx: ApiContext, modules: readonly Module[] = MODULES): Promise<Service[]> {
  const running: Service[] = [];
  for (const m of modules) {
    if (!m.start) continue;
    const s = await m.start(ctx);
    // The one place a service is filed under its module's name (ServiceMap types the read side).
    (ctx.services as Record<string, Service>)[m.name] = s;
    running.push(s);
  }
  return running;
}
