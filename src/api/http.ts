// HTTP + JSON on the daemon's Unix socket (curl --unix-socket works), with streamed log follows.
import http from 'node:http';
import { join } from 'node:path';
import { Follower } from '../core/logs/files.js';
import { logDir } from '../core/supervisor/spawn-request.js';
import { peerCred } from '../os/peercred.js';
import { ApiError, errorBody } from './errors.js';
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

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Streams new lines of a program's logs as NDJSON until the client goes away. The follower
// reads the files, so a slow client only makes the daemon read later, never buffer more.
function follow(ctx: ApiContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const name = url.searchParams.get('name') ?? '';
  let job;
  try {
    job = ctx.sup.select([name])[0];
  } catch (err) {
    return send(res, 404, errorBody(new ApiError(404, 'not_found', (err as Error).message)));
  }
  const dir = logDir(ctx.spawnCtx, job.spec.name);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const which = url.searchParams.get('stream');
  const followers: Follower[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    if (which && which !== stream) continue;
    const file = join(dir, stream === 'stdout' ? 'out.log' : 'err.log');
    followers.push(new Follower(file, (lines) => {
      if (res.writableLength > 1 << 20) return; // the client is not reading: skip, stay bounded
      res.write(lines.map((line) => JSON.stringify({ name: job.spec.name, stream, line })).join('\n') + '\n');
    }));
  }
  const stop = () => followers.forEach((f) => f.close());
  req.on('close', stop);
  res.on('close', stop);
}

/** Creates the HTTP server for the API. */
export function createServer(ctx: ApiContext): http.Server {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://appinit');
    try {
      if (req.method === 'GET' && url.pathname === '/v1/logs/follow') return follow(ctx, req, res, url);
      const stream = req.method === 'GET' ? MODULES.find((m) => m.streams?.[url.pathname])?.streams?.[url.pathname] : undefined;
      if (stream) return stream(ctx, req, res, url);
      const body = req.method === 'GET' ? {} : await readBody(req);
      const r = await handle(ctx, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, peer: peerCred(req.socket) });
      send(res, r.status, r.body);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'internal', (err as Error).stack ?? String(err));
      send(res, e.status, errorBody(e));
    }
  });
}
