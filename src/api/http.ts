// HTTP + JSON on the daemon's Unix socket (curl --unix-socket works), with streamed endpoints.
// This file moves bytes and says who is calling; what a request means is app.ts's.
import http from 'node:http';
import type { Socket } from 'node:net';
import { peerCred, type PeerCred } from '../os/peercred.js';
import type { App } from './app.js';
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

/** Sends a JSON response. */
export function send(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

/** Creates the HTTP server for an app. */
export function createServer(ctx: ApiContext, app: App, opts: { maxBody?: number } = {}): http.Server {
  const limit = opts.maxBody ?? MAX_BODY;
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://appinit');
    const method = req.method ?? 'GET';
    const peer = caller(req.socket);
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
    const r = await app.handle({ ...apiReq, signal: gone.signal });
    if (!res.destroyed) send(res, r.status, r.body);
  });
}
