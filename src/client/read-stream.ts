// A streamed GET over the daemon's Unix socket, handed over as a Readable (with back-pressure).
// HTTP/1.1 read by hand over node:net, as oneshot.ts does: node:http costs a `logs -n` more to
// load than the whole read (bench/cli.ts). The daemon answers a read with a chunked body or one
// that ends with the connection (Connection: close is asked for).
import net from 'node:net';
import { Readable } from 'node:stream';
import { MAX_HEAD, readHead, requestHead, Unchunker } from './response.js';

/** The daemon's answer to a streamed GET: status, headers (lower-case names), and the body still to read. */
export interface StreamAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Readable;
}


/** Opens a streaming GET; resolves when the daemon has answered with its status and headers. */
export function unixRead(socketPath: string, path: string): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath, () => sock.write(requestHead('GET', path, undefined, true)));
    let head: Buffer | null = Buffer.alloc(0);
    let unchunk: Unchunker | null = null;
    let body: Readable | null = null;
    const deliver = (b: Buffer): void => {
      if (!body) return;
      const parts = unchunk ? unchunk.feed(b) : [b];
      let more = true;
      for (const p of parts) if (p.length) more = body.push(p) && more;
      if (unchunk?.done) {
        body.push(null);
        sock.destroy();
      } else if (!more) sock.pause();
    };
    sock.on('data', (c: Buffer) => {
      if (head === null) {
        try { deliver(c); } catch (err) { body?.destroy(err as Error); sock.destroy(); }
        return;
      }
      head = Buffer.concat([head, c]);
      const split = head.indexOf('\r\n\r\n');
      if (split < 0) {
        if (head.length > MAX_HEAD) sock.destroy(new Error('appinit: the daemon\'s answer has no end of headers'));
        return;
      }
      const parsed = readHead(head.toString('latin1', 0, split));
      if (!parsed) return sock.destroy(new Error('appinit: the daemon\'s answer is not HTTP'));
      const { status, headers } = parsed;
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) unchunk = new Unchunker();
      const rest = head.subarray(split + 4);
      head = null;
      body = new Readable({ read: () => { sock.resume(); }, destroy: (err, cb) => { sock.destroy(); cb(err); } });
      resolve({ status, headers, body });
      if (rest.length) deliver(rest);
    });
    sock.on('end', () => {
      if (head !== null) return reject(Object.assign(new Error('appinit: the daemon closed the connection without a whole answer'), { code: 'ECONNRESET' }));
      if (unchunk && !unchunk.done) body?.destroy(new Error('appinit: the daemon\'s answer was cut short'));
      else if (!unchunk) body?.push(null);
    });
    sock.on('error', (err) => {
      if (head !== null) reject(err);
      else body?.destroy(err);
    });
  });
}

/** Reads a whole (small) body as JSON: an error answer. */
export async function readJson(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'error', message: text.slice(0, 200) } };
  }
}
