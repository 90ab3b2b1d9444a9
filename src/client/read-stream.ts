// A streamed GET over the daemon's Unix socket, handed over as a Readable (with back-pressure).
import http from 'node:http';

/** The daemon's answer to a streamed GET: status, headers, and the body still to read. */
export interface StreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** Opens a streaming GET; resolves when the daemon has answered with its status and headers. */
export function unixRead(socketPath: string, path: string): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'GET' }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
    req.on('error', reject);
    req.end();
  });
}

/** Reads a whole (small) body as JSON: an error answer. */
export async function readJson(body: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'error', message: text.slice(0, 200) } };
  }
}
