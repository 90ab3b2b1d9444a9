// HTTP + JSON on the daemon's Unix socket (curl --unix-socket works), with streamed log follows.
import http from 'node:http';
import { peerCred } from '../os/peercred.js';
import { ApiError, errorBody } from './errors.js';
import type { StoreGuard } from './store-guard.js';
import { MODULES } from './modules.js';
import { handle, type ApiContext } from './routes.js';

const MAX_BODY = 8 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'too_large', 'request body over 8 MB'));
      else chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v);
      } catch (err) {
        reject(new ApiError(400, 'bad_json', `request body: expected a JSON object (${(err as Error).message})`));
      }
    });
    req.on('error', reject);
  });
}

/** Sends a JSON response. */
export function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Creates the HTTP server for the API. */
export function createServer(ctx: ApiContext): http.Server {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://appinit');
    try {
      const stream = req.method === 'GET' ? MODULES.find((m) => m.streams?.[url.pathname])?.streams?.[url.pathname] : undefined;
      if (stream) return stream(ctx, req, res, url);
      const body = req.method === 'GET' ? {} : await readBody(req);
      const gone = new AbortController();
      res.on('close', () => { if (!res.writableFinished) gone.abort(); });
      const r = await handle(ctx, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, peer: peerCred(req.socket), signal: gone.signal });
      send(res, r.status, r.body);
    } catch (err) {
      // A full disk is a state of the daemon, not a bug: say so (507), and let the guard degrade.
      const full = !(err instanceof ApiError) && (ctx.services.get('store-guard') as StoreGuard | undefined)?.failed(err);
      const e = err instanceof ApiError ? err : full ? new ApiError(507, 'disk_full', `the disk holding ${ctx.home} is full: this change could not be stored; jobs keep running (see appinit info)`)
        : new ApiError(500, 'internal', (err as Error).stack ?? String(err));
      send(res, e.status, errorBody(e));
    }
  });
}
