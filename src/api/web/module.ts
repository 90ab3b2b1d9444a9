// The dashboard as a daemon module: `POST /v1/web` starts (or moves) the listener and gives the
// caller their URL and tokens; the address is remembered in APPINIT_HOME/web.json, so a daemon
// that restarts serves again where it did.
import { closeSync, constants, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../app.js';
import { ApiError } from '../errors.js';
import { webSettingOf } from '../../config/read-web.js';
import { bool, optText } from '../input.js';
import { MetricsCollector } from '../metrics/collect.js';
import type { Module, Service } from '../modules.js';
import { DAEMON_UID, type ApiContext, type ApiRequest } from '../routes.js';
import { DEFAULT_LISTEN, parseListen, webSettingError } from '../../config/web-listen.js';
import { LiveTable } from './live.js';
// Loaded when the dashboard first serves: ws and https cost an idle daemon ~11 MB of RSS (issue 17).
import type { WebServer } from './server.js';
import { TokenStore, type UserTokens } from './tokens.js';

/** Where and how the dashboard listens. */
export interface WebConfig {
  listen: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

/** What `appinit web` answers. */
export interface WebView {
  url: string;
  listen: string;
  tokens: UserTokens;
}

/** The dashboard service. */
export interface WebService extends Service {
  /** Serves at an address (moving there when it served elsewhere). */
  serve(cfg: WebConfig): Promise<WebServer>;
  /** The listening server, if any. */
  current(): WebServer | null;
  /** The view of it for one user. */
  view(uid: number, gid: number): WebView | null;
  /** Applies a loaded control file's `web:` (the daemon owner's files only; absent: unchanged). */
  fromControlFile(text: string, baseDir: string, uid: number): Promise<void>;
}

function configPath(home: string): string {
  return join(home, 'web.json');
}

function saveConfig(home: string, cfg: WebConfig): void {
  const path = configPath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try { writeSync(fd, JSON.stringify(cfg) + '\n'); } finally { closeSync(fd); }
  renameSync(tmp, path);
}

function loadConfig(home: string): WebConfig | null {
  try {
    const c = JSON.parse(readFileSync(configPath(home), 'utf8')) as WebConfig;
    return typeof c.listen === 'string' ? c : null;
  } catch {
    return null;
  }
}

/** Checks a configuration before anything listens: a non-loopback address needs TLS or --insecure. */
export function checkConfig(cfg: WebConfig): void {
  const why = webSettingError(cfg);
  if (why) throw new ApiError('usage', why);
  if (cfg.cert && (!cfg.cert.startsWith('/') || !cfg.key!.startsWith('/'))) throw new ApiError('usage', 'web: cert and key must be absolute paths');
}

function startWeb(ctx: ApiContext): WebService {
  const tokens = new TokenStore(ctx.home);
  const live = new LiveTable(ctx);
  const metrics = new MetricsCollector(ctx);
  let app: App | null = null;
  let server: WebServer | null = null;
  let moving: Promise<WebServer> | null = null;
  let fromFile = ''; // the control file's last `web:`, as applied
  const deps = () => {
    app ??= createApp(ctx);
    return { ctx, app, tokens, live, metrics: (who: { uid: number; gid: number }) => metrics.render(who.uid, who.gid, app!) };
  };
  const serve = async (cfg: WebConfig): Promise<WebServer> => {
    checkConfig(cfg);
    await moving?.catch(() => null);
    moving = (async () => {
      const addr = parseListen(cfg.listen);
      const { startWebServer } = await import('./server.js');
      const next = await startWebServer(deps(), addr, cfg.cert && cfg.key ? { cert: cfg.cert, key: cfg.key } : null).catch((err: NodeJS.ErrnoException) => {
        throw new ApiError(err.code === 'EADDRINUSE' ? 'exists' : 'usage', `web: cannot listen on ${cfg.listen}: ${err.message}`);
      });
      const old = server;
      server = next;
      await old?.close();
      saveConfig(ctx.home, { ...cfg, listen: next.listen }); // port 0: the port it got
      console.log(`${new Date().toISOString()} web: serving the dashboard on ${next.base}`);
      return next;
    })();
    return moving;
  };
  const service: WebService = {
    serve,
    current: () => server,
    view(uid, gid) {
      if (!server) return null;
      const t = tokens.forUser(uid, gid);
      const base = server.base.replace(/\/\/(0\.0\.0\.0|\[::\]):/, `//${hostname()}:`);
      return { url: `${base}#token=${t.operator}`, listen: server.listen, tokens: t };
    },
    async fromControlFile(text, baseDir, uid) {
      // Only the daemon's owner decides where it listens; the file was checked whole already.
      if (uid !== 0 && uid !== DAEMON_UID) return;
      const wanted = webSettingOf(text, baseDir);
      if (!wanted) return; // no `web:`: a dashboard started by `appinit web` keeps serving
      const key = JSON.stringify(wanted);
      if (key === fromFile && server) return; // the same setting as the last load: nothing to move
      fromFile = key;
      // A port in use is not the file's fault: the programs are loaded, the daemon's log says why.
      await serve(wanted).catch((err) => process.stderr.write(`appinit: web: ${(err as Error).message}\n`));
    },
    async stop() {
      live.close();
      metrics.close();
      await server?.close();
      server = null;
    },
  };
  // Serve again where the last `appinit web` asked; a failure is said in the daemon's log.
  const saved = loadConfig(ctx.home);
  if (saved) serve(saved).catch((err) => process.stderr.write(`appinit: web: could not serve on ${saved.listen} again: ${(err as Error).message}\n`));
  return service;
}

function service(ctx: ApiContext): WebService {
  const s = ctx.services.web;
  if (!s) throw new ApiError('unavailable', 'the dashboard service is not running');
  return s;
}

function view(ctx: ApiContext, req: ApiRequest): WebView | { listen: null } {
  return service(ctx).view(req.peer.uid, req.peer.gid) ?? { listen: null };
}

/** The web module: the dashboard, its tokens and /metrics. */
export const webModule: Module<'web'> = {
  name: 'web',
  routes: {
    'GET /v1/web': (ctx, req) => view(ctx, req),
    'POST /v1/web': async (ctx, req) => {
      const s = service(ctx);
      const listen = optText(req.body.listen, 'listen', 'HOST:PORT');
      const cfg: WebConfig = {
        listen: listen ?? s.current()?.listen ?? DEFAULT_LISTEN,
        cert: optText(req.body.cert, 'cert', 'a PEM file path'), key: optText(req.body.key, 'key', 'a PEM file path'),
        insecure: bool(req.body.insecure, 'insecure', false),
      };
      // Serving (or moving) is the daemon owner's decision; anyone else gets their own tokens.
      const changes = s.current() == null || (listen != null && listen !== s.current()!.listen) || cfg.cert != null || cfg.insecure;
      if (changes) {
        if (req.peer.uid !== 0 && req.peer.uid !== DAEMON_UID) throw new ApiError('forbidden', 'only the daemon\'s owner can start or move the dashboard');
        await s.serve(cfg);
      }
      return view(ctx, req);
    },
  },
  start: startWeb,
};
