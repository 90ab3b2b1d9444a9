// How the client reaches the daemon: HTTP over its Unix socket (injectable for tests and TCP).
import type http from 'node:http';
import { AppinitError, reachError } from './errors.js';
import { KeptConnections } from './kept.js';
import { requestOnce } from './oneshot.js';

/** Sends one request and returns status and parsed JSON body; `stream` opens an NDJSON stream. */
export interface Transport {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Opens a streaming GET, calls onLine for each NDJSON value; returns a function that closes it. */
  stream?: (path: string, onLine: (v: unknown) => void, onEnd: (err?: Error) => void) => () => void;
  /** Makes sure a daemon answers (starting one), for a call made around the transport. */
  reach?: () => Promise<void>;
}

// node:http is loaded by a stream only (followLogs, events), not by a call.
let httpModule: Promise<typeof http> | null = null;
const loadHttp = (): Promise<typeof http> => (httpModule ??= import('node:http').then((m) => m.default));

// The answer's JSON, or an error that says what came instead.
function json(status: number, text: string): { status: number; body: unknown } {
  try {
    return { status, body: text ? JSON.parse(text) : null };
  } catch {
    throw new Error(`appinit: the daemon answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
}

// One set of kept connections per socket, shared by the clients of one program.
const pools = new Map<string, KeptConnections>();

/** A transport over a Unix socket: kept-alive connections (for programs), or with keepAlive false,
 *  one connection per call and no node:http (for a command line run). */
export function unixTransport(socketPath: string, opts: { keepAlive?: boolean } = {}): Transport {
  const t: Transport = opts.keepAlive === false
    ? async (method, path, body) => {
      const r = await requestOnce(socketPath, method, path, body === undefined ? undefined : JSON.stringify(body));
      return json(r.status, r.body.toString('utf8'));
    }
    : async (method, path, body) => {
      let pool = pools.get(socketPath);
      if (!pool) pools.set(socketPath, (pool = new KeptConnections(socketPath)));
      const r = await pool.request(method, path, body === undefined ? undefined : JSON.stringify(body));
      return json(r.status, r.body.toString('utf8'));
    };
  t.stream = (path, onLine, onEnd) => unixStream(socketPath, path, onLine, onEnd);
  return t;
}

/** Opens a streaming GET and calls onLine for each NDJSON line; returns a close function. */
export function unixStream(socketPath: string, path: string, onLine: (v: unknown) => void, onEnd: (err?: Error) => void): () => void {
  let closed = false;
  let close = (): void => { closed = true; };
  loadHttp().then((http) => {
    if (!closed) close = openStream(http, socketPath, path, onLine, onEnd);
  }, onEnd);
  return () => close();
}

function openStream(http: typeof import('node:http'), socketPath: string, path: string, onLine: (v: unknown) => void, end: (err?: Error) => void): () => void {
  // Told once: an answer cut off (the daemon destroyed the connection on its way down, or died)
  // ends the stream as an answer that ended does; before it, that went unsaid and the follower
  // hung on nothing until node exited with 0.
  let told = false;
  const onEnd = (err?: Error) => { if (!told) { told = true; end(err); } };
  // A stream holds its connection for as long as it lasts: never one from the shared pool.
  const req = http.request({ socketPath, path, method: 'GET', agent: false }, (res) => {
    if ((res.statusCode ?? 0) >= 400) {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let e: { code?: string; message?: string; details?: unknown } = {};
        try { e = (JSON.parse(text) as { error: typeof e }).error ?? {}; } catch { /* not JSON */ }
        onEnd(new AppinitError(e.code ?? 'error', `appinit: ${e.message ?? `HTTP ${res.statusCode}`}`, res.statusCode ?? 0, e.details));
      });
      return;
    }
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      const lines = (tail + d).split('\n');
      tail = lines.pop() ?? '';
      for (const l of lines) if (l) onLine(JSON.parse(l));
    });
    // A whole answer ends with its last chunk: the daemon ended the stream (it does on `appinit
    // down`, once the jobs have stopped). Cut off without it, the daemon went away (kill -9) or
    // the connection broke: an error, so a follower can tell and follow again.
    res.on('end', () => onEnd());
    res.on('close', () => onEnd(res.complete ? undefined : new AppinitError('connection_lost',
      'appinit: the daemon ended the connection without ending the stream (it was killed or the connection broke); its jobs run on: follow again', 0)));
  });
  req.on('error', (e) => onEnd(reachError(e, socketPath) as Error));
  req.end();
  return () => { told = true; req.destroy(); };
}
