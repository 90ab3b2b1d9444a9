// The dashboard's HTTP(S) server: the page, login (token for cookie), /metrics, the daemon's API
// under /api (called with the token owner's identity, so a user sees what the API lets them
// see), and WebSockets for the live job table and terminals.
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { lookupUser } from '../../os/proc/index.js';
import type { App } from '../app.js';
import { ApiError, errorBody } from '../errors.js';
import { send } from '../http.js';
import { parseBody } from '../input.js';
import { pathsFor } from '../paths.js';
import { visible, type ApiContext, type ApiRequest } from '../routes.js';
import { changeRefusal, identify, sameOrigin, setCookie, COOKIE, CSRF_HEADER } from './auth.js';
import { authority, type ListenAddress } from '../../config/web-listen.js';
import type { LiveTable } from './live.js';
import { serveAsset } from './static.js';
import { relayTerminal } from './terminal.js';
import type { TokenOwner, TokenStore } from './tokens.js';

/** What the server needs beside the request. */
export interface WebDeps {
  ctx: ApiContext;
  app: App;
  tokens: TokenStore;
  live: LiveTable;
  /** The Prometheus text for a user's view. */
  metrics: (who: TokenOwner) => Promise<string>;
}

/** TLS files, when the dashboard is served over HTTPS. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** A listening dashboard. */
export interface WebServer {
  /** The address it listens on (the real port when 0 was asked). */
  listen: string;
  /** Its base URL (http or https). */
  base: string;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError('too_large', 'request body over 8 MB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try { resolve(parseBody(Buffer.concat(chunks).toString('utf8'))); } catch (err) { reject(err); }
    });
    req.on('error', reject);
  });
}

function refuse(res: http.ServerResponse, code: 'unauthenticated' | 'forbidden', message: string): void {
  send(res, code === 'unauthenticated' ? 401 : 403, errorBody(new ApiError(code, message)));
}

// Routes the dashboard does not pass on. /v1/web hands out the tokens: a viewer asking it would
// get the operator's (tokens go to the token's owner over the control socket only, `appinit
// web`). The others take or give as the calling process (a lock is held by a pid): here every
// caller would be the daemon's own pid, one holder shared by every user and never ending.
const NOT_FROM_THE_DASHBOARD = new Map<string, string>([
  ['/v1/web', 'the dashboard\'s tokens are given only through the control socket: run `appinit web`'],
  ...['/v1/resources/semop', '/v1/resources/send', '/v1/resources/recv', '/v1/resources/adopt'].map((p): [string, string] =>
    [p, 'resources are taken and given by a process (a holder is a pid): use appinit lock, sem, mq or the library, not the dashboard']),
]);

// The daemon's routes, called as the token's owner (pid: the daemon, which is no job's process).
async function api(d: WebDeps, who: TokenOwner, req: http.IncomingMessage, res: http.ServerResponse, url: URL, tls: boolean): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.slice('/api'.length);
  const notHere = NOT_FROM_THE_DASHBOARD.get(path);
  if (notHere) return refuse(res, 'forbidden', notHere);
  if (method !== 'GET') {
    const why = changeRefusal(who, req, tls);
    if (why) return refuse(res, 'forbidden', why);
  }
  let apiReq: ApiRequest = { method, path, query: url.searchParams, body: {}, peer: { pid: process.pid, uid: who.uid, gid: who.gid } };
  const stream = d.app.stream(method, path);
  try {
    if (stream) return stream(d.ctx, apiReq, res, req);
    if (method !== 'GET') apiReq = { ...apiReq, body: await readJson(req) };
  } catch (err) {
    const r = d.app.failure(apiReq, err);
    if (!res.headersSent) send(res, r.status, r.body);
    return;
  }
  const gone = new AbortController();
  res.on('close', () => { if (!res.writableFinished) gone.abort(); });
  const r = await d.app.handle({ ...apiReq, signal: gone.signal });
  if (!res.destroyed) send(res, r.status, r.body);
}

async function handle(d: WebDeps, req: http.IncomingMessage, res: http.ServerResponse, tls: boolean): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const method = req.method ?? 'GET';
  if (method === 'GET' && serveAsset(req, res, url.pathname)) return;
  if (url.pathname === '/login' && method === 'POST') {
    // The page posts the token from its URL fragment; the answer sets the cookie.
    // The page's header too: a cross-site form cannot log a browser in with someone else's token.
    if (!sameOrigin(req, tls) || req.headers[CSRF_HEADER] !== '1') return refuse(res, 'forbidden', 'cross-site login refused');
    const body = await readJson(req).catch(() => ({} as Record<string, unknown>));
    const who = d.tokens.owner(typeof body.token === 'string' ? body.token : null);
    if (!who || who.role === 'metrics') return refuse(res, 'unauthenticated', 'this token is not valid here: run `appinit web` for the URL with a token');
    res.setHeader('set-cookie', setCookie(body.token as string, tls));
    return send(res, 200, whoami(who));
  }
  if (url.pathname === '/logout' && method === 'POST') {
    res.setHeader('set-cookie', `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return send(res, 200, { ok: true });
  }
  const who = identify(d.tokens, req);
  if (url.pathname === '/metrics' && method === 'GET') {
    if (!who) {
      res.setHeader('www-authenticate', 'Bearer realm="appinit"');
      return refuse(res, 'unauthenticated', 'GET /metrics needs Authorization: Bearer TOKEN (the viewer or metrics token)');
    }
    const text = await d.metrics(who);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  if (!who) return refuse(res, 'unauthenticated', 'not logged in: open the URL `appinit web` prints');
  if (who.role === 'metrics') return refuse(res, 'forbidden', 'the metrics token reads /metrics only');
  if (url.pathname === '/whoami' && method === 'GET') return send(res, 200, whoami(who));
  if (url.pathname.startsWith('/api/v1/')) return api(d, who, req, res, url, tls);
  send(res, 404, errorBody(new ApiError('not_found', `no page ${url.pathname}`)));
}

function whoami(who: TokenOwner): { uid: number; user: string; role: string; home: string } {
  const u = lookupUser(who.uid);
  // home: where at jobs queued from the page run (at runs in the directory it was given). A
  // passwd home that is not a directory (useradd -M, /nonexistent) would fail every such job:
  // then /, as login(1) does ("No directory, logging in with HOME=/").
  return { uid: who.uid, user: u?.name ?? String(who.uid), role: who.role, home: u?.home && isDirectory(u.home) ? u.home : '/' };
}

function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}

function upgrade(d: WebDeps, wss: WebSocketServer, req: http.IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const who = identify(d.tokens, req);
  const deny = (status: number, why: string) => {
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${why}\n`);
  };
  // A WebSocket is not bound by the same-origin rule: the Origin is checked here, always.
  if (!sameOrigin(req, tls)) return deny(403, 'cross-site WebSocket refused');
  if (!who || who.role === 'metrics') return deny(401, 'not logged in');
  if (url.pathname === '/ws/live') return wss.handleUpgrade(req, socket, head, (ws: WebSocket) => d.live.add(ws, who));
  if (url.pathname === '/ws/term') {
    if (who.role !== 'operator') return deny(403, 'a terminal needs the operator token');
    const id = Number(url.searchParams.get('id'));
    const req2 = { peer: { uid: who.uid, gid: who.gid, pid: process.pid } } as ApiRequest;
    const job = visible(d.ctx, req2, [...d.ctx.sup.jobs.values()]).find((j) => j.id === id);
    if (!job) return deny(404, `no job with id ${url.searchParams.get('id')}`);
    if (job.pid == null) return deny(409, `job %${job.number} is not running`);
    const rows = Math.min(500, Math.max(1, Number(url.searchParams.get('rows')) || 24));
    const cols = Math.min(1000, Math.max(1, Number(url.searchParams.get('cols')) || 80));
    return wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // Continue a stopped job, as `fg` does, so typed keys reach a running program.
      if (job.suspended) d.ctx.sup.signal([job], 'SIGCONT');
      relayTerminal(ws, pathsFor(d.ctx.home).superviseSocket, job.id, rows, cols);
    });
  }
  deny(404, `no WebSocket at ${url.pathname}`);
}

/** Starts listening; resolves once the address is bound. */
export async function startWebServer(d: WebDeps, addr: ListenAddress, tlsFiles: TlsFiles | null): Promise<WebServer> {
  const tls = tlsFiles != null;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(d, req, res, tls).catch((err) => {
      d.ctx.log?.(`appinit: web: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, errorBody(new ApiError('internal', 'internal error (see the daemon\'s log)')));
      else res.destroy();
    });
  };
  const server = tlsFiles
    ? https.createServer({ cert: readFileSync(tlsFiles.cert), key: readFileSync(tlsFiles.key) }, onRequest)
    : http.createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => upgrade(d, wss, req, socket, head, tls));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => resolve());
  });
  const bound = server.address();
  const port = bound && typeof bound === 'object' ? bound.port : addr.port;
  const listen = authority(addr.host, port);
  return {
    listen,
    base: `${tls ? 'https' : 'http'}://${listen}/`,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
