// How the client reaches the daemon: HTTP over its Unix socket (injectable for tests and TCP).
import http from 'node:http';

/** Sends one request and returns status and parsed JSON body; `stream` opens an NDJSON stream. */
export interface Transport {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Opens a streaming GET, calls onLine for each NDJSON value; returns a function that closes it. */
  stream?: (path: string, onLine: (v: unknown) => void, onEnd: (err?: Error) => void) => () => void;
}

// One connection kept between calls: a command makes several, and a fresh connect costs more.
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

// The server closed a kept-alive connection just as we reused it (it closes idle ones after 5 s;
// a client whose event loop was blocked sees it only when it writes): the request never reached
// a handler, so it is sent once more on a new connection.
function stale(req: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

function once(socketPath: string, method: string, path: string, data: string | undefined, retry: boolean): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path, method, agent, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch {
            reject(new Error(`appinit: the daemon answered with something that is not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (retry && stale(req, err)) once(socketPath, method, path, data, false).then(resolve, reject);
      else reject(err);
    });
    req.end(data);
  });
}

/** A transport over a Unix socket. */
export function unixTransport(socketPath: string): Transport {
  const t: Transport = (method, path, body) => once(socketPath, method, path, body === undefined ? undefined : JSON.stringify(body), true);
  t.stream = (path, onLine, onEnd) => unixStream(socketPath, path, onLine, onEnd);
  return t;
}

/** Opens a streaming GET and calls onLine for each NDJSON line; returns a close function. */
export function unixStream(socketPath: string, path: string, onLine: (v: unknown) => void, onEnd: (err?: Error) => void): () => void {
  // A stream holds its connection for as long as it lasts: never one from the shared pool.
  const req = http.request({ socketPath, path, method: 'GET', agent: false }, (res) => {
    if ((res.statusCode ?? 0) >= 400) {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let message = `HTTP ${res.statusCode}`;
        try { message = (JSON.parse(text) as { error: { message: string } }).error.message; } catch { /* not JSON */ }
        onEnd(new Error(`appinit: ${message}`));
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
    res.on('end', () => onEnd());
  });
  req.on('error', (e) => onEnd(e));
  req.end();
  return () => req.destroy();
}
