// HTTP + JSON on the daemon's Unix socket (curl --unix-socket works), with streamed endpoints.
// This file moves bytes and says who is calling; what a request means is app.ts's.
import http from 'node:http';
import type { Socket } from 'node:net';
import { peerCred, type PeerCred } from '../os/peercred.js';
import type { App } from './app.js';
import { checkConnectionsWhileOpen } from './connection-checks.js';
import { ApiError, errorBody } from './errors.js';
import { parseBody } from './input.js';
import type { ApiContext, ApiRequest } from './routes.js';

/** The largest request body accepted (a control file's text is the largest thing sent). */
export const MAX_BODY = 8 * 1024 * 1024;

/**
 * Who is calling, as the kernel says (SO_PEERCRED), never as the request claims. The one place
 * a caller is resolved, for routes and streams alike: no credentials means refused (null),
 * never "root".
 */
export function caller(sock: Socket): PeerCred | null {
  // The kernel's answer is fixed when the connection is made: asked once per connection (a
  // program that locks in a loop sends many requests on one kept-alive connection).
  if (peers.has(sock)) return peers.get(sock)!;
  const p = askPeer(sock);
  peers.set(sock, p);
  return p;
}

const peers = new WeakMap<Socket, PeerCred | null>();

function askPeer(sock: Socket): PeerCred | null {
  let p: PeerCred | null;
  try {
    p = peerCred(sock);
  } catch {
    return null;
  }
  // A socket with no process behind it (TCP answers pid 0, uid and gid -1) names nobody.
  if (p == null || p.pid <= 0 || p.uid === NO_ID || p.gid === NO_ID) return null;
  return p;
}

// (uid_t)-1: "no user" in the kernel's answers.
const NO_ID = 0xffffffff;

// The body, refused with 413 as soon as its announced length or the bytes read pass the limit:
// the rest is not read (the connection is closed after the answer).
function readBody(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new ApiError('too_large', `request body over ${limit / 1024 / 1024} MB`);
    const announced = Number(req.headers['content-length'] ?? NaN);
    if (announced > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.on('end', () => {
      try {
        resolve(parseBody(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

/** A large answer whose client reads nothing of it for this long is dropped, its memory freed (APPINIT_STALLED_READER_MS). */
export const STALLED_READER_MS = Number(process.env.APPINIT_STALLED_READER_MS ?? 30_000);

/** Sends a JSON response. */
export function send(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  // Encoded once: its length is the header's, and the socket gets bytes (a string would be
  // measured, then encoded again on the way out).
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...(close ? { connection: 'close' } : {}) });
  // Most answers leave at once. A large one waits in memory for its reader: a client that never
  // reads is cut off after a while without progress, so it cannot hold the daemon's memory.
  const sock = res.socket;
  if (bytes.length > 1 << 20 && sock) {
    const drop = () => sock.destroy();
    sock.setTimeout(STALLED_READER_MS, drop);
    res.once('finish', () => { sock.setTimeout(0); sock.off('timeout', drop); });
  }
  res.end(bytes);
}

/** Connections one user other than root and the daemon's owner may hold at once (APPINIT_MAX_USER_CONNECTIONS). */
export const MAX_USER_CONNECTIONS = Number(process.env.APPINIT_MAX_USER_CONNECTIONS ?? 1024);
/** How long a request's head, and the whole request, may take to arrive (a slow or stalled sender is cut off). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often open connections are checked against those two (only while any is open: connection-checks.ts). */
const CHECK_CONNECTIONS_MS = 1000;

// Each connection's caller (caller() asks the kernel once per connection).
const callerOf = caller;

// A system daemon's socket is open to every user: one user's connections (idle, slow, or not
// reading their answers) are capped, so they cannot use up the daemon's descriptors and lock
// out everyone else. Root and the daemon's owner are not counted.
function capConnections(server: http.Server, owner: number): void {
  const open = new Map<number, number>();
  server.on('connection', (sock: Socket) => {
    const uid = callerOf(sock)?.uid;
    if (uid == null || uid === 0 || uid === owner) return;
    const n = (open.get(uid) ?? 0) + 1;
    if (n > MAX_USER_CONNECTIONS) return void sock.destroy();
    open.set(uid, n);
    sock.once('close', () => {
      const left = (open.get(uid) ?? 1) - 1;
      if (left > 0) open.set(uid, left);
      else open.delete(uid);
    });
  });
}

// Answers that cost the daemon much memory while they are built and sent (up to 100,000 log
// lines as JSON, every accounting record): one user (not root, not the owner) has at most
// HEAVY_PER_USER of them under way; more wait their turn. A turn ends when the answer has left
// (or its client went away), so clients that never read cannot pile them up.
const HEAVY = new Set(['GET /v1/logs', 'GET /v1/acct']);
const HEAVY_PER_USER = 2;
const heavy = new Map<number, { busy: number; queue: (() => void)[] }>();
function heavyTurn(uid: number): Promise<() => void> {
  const s = heavy.get(uid) ?? { busy: 0, queue: [] };
  heavy.set(uid, s);
  let done = false;
  const release = () => {
    if (done) return;
    done = true;
    const next = s.queue.shift();
    if (next) return next();
    if (--s.busy === 0) heavy.delete(uid);
  };
  if (s.busy < HEAVY_PER_USER) {
    s.busy++;
    return Promise.resolve(release);
  }
  return new Promise((resolve) => s.queue.push(() => resolve(release)));
}

/** Creates the HTTP server for an app. */
export function createServer(ctx: ApiContext, app: App, opts: { maxBody?: number } = {}): http.Server {
  const limit = opts.maxBody ?? MAX_BODY;
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CHECK_CONNECTIONS_MS }, async (req, res) => {
    // The path as sent: `//v1/info` is a path, not a host (it was answered as /info).
    const url = new URL(`http://appinit${(req.url ?? '/').startsWith('/') ? req.url ?? '/' : `/${req.url}`}`);
    const method = req.method ?? 'GET';
    const peer = callerOf(req.socket);
    const base = { method, path: url.pathname, query: url.searchParams };
    if (peer == null) {
      return send(res, 401, errorBody(new ApiError('unauthenticated', 'the kernel did not say who is calling (no peer credentials): refused')), true);
    }
    const stream = app.stream(method, url.pathname);
    let apiReq: ApiRequest = { ...base, body: {}, peer };
    try {
      if (stream) return stream(ctx, apiReq, res, req);
      if (method !== 'GET') apiReq = { ...apiReq, body: await readBody(req, limit) };
    } catch (err) {
      // The caller went away while sending its body (`aborted`): nobody to answer, nothing wrong
      // with the daemon; not an internal error for its log.
      if (!(err instanceof ApiError) && ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || req.destroyed)) return void res.destroy();
      const r = app.failure(apiReq, err);
      // A body not read to its end cannot be followed by another request on this connection.
      const close = err instanceof ApiError && err.code === 'too_large';
      if (res.headersSent) return void res.destroy();
      send(res, r.status, r.body, close);
      if (close) res.on('finish', () => req.socket.destroy());
      return;
    }
    // A request that waits (a semaphore, a queue) stops waiting when its caller goes away.
    const gone = new AbortController();
    res.on('close', () => { if (!res.writableFinished) gone.abort(); });
    const owner = process.getuid?.() ?? 0;
    if (HEAVY.has(`${method} ${url.pathname}`) && peer.uid !== 0 && peer.uid !== owner) {
      const release = await heavyTurn(peer.uid);
      res.once('close', release);
      if (res.destroyed || req.socket.destroyed) return release();
    }
    const r = await app.handle({ ...apiReq, signal: gone.signal });
    const allow = r.status === 405 ? (r.body as { error?: { details?: unknown } }).error?.details : null;
    if (Array.isArray(allow)) res.setHeader('allow', allow.join(', '));
    if (!res.destroyed) send(res, r.status, r.body);
  });
  capConnections(server, process.getuid?.() ?? 0);
  checkConnectionsWhileOpen(server, CHECK_CONNECTIONS_MS);
  return server;
}
