// How the client reaches the daemon: HTTP over its Unix socket (injectable for tests and TCP).
import http from 'node:http';

/** Sends one request and returns status and parsed JSON body. */
export type Transport = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/** A transport over a Unix socket. */
export function unixTransport(socketPath: string): Transport {
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { socketPath, path, method, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} },
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
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
}

/** Opens a streaming GET and calls onLine for each NDJSON line; returns a close function. */
export function unixStream(socketPath: string, path: string, onLine: (v: unknown) => void, onEnd: (err?: Error) => void): () => void {
  const req = http.request({ socketPath, path, method: 'GET' }, (res) => {
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
