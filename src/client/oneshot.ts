// One request on its own connection, HTTP/1.1 written by hand over node:net: what a command
// line run needs (one or two calls, then exit). node:http costs more to load than the whole call
// (bench/cli.ts); a library that makes many calls uses the kept-alive transport instead.
import net from 'node:net';

/** The response of one request: its status and its body's bytes. */
export interface RawResponse {
  status: number;
  body: Buffer;
}

// A chunked body ("size CRLF data CRLF ... 0 CRLF CRLF") back to its bytes.
function unchunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) throw new Error('truncated chunked body');
    const size = parseInt(b.toString('latin1', i, eol), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/** Sends one request over a new connection to a Unix socket and reads the whole answer. */
export function requestOnce(socketPath: string, method: string, path: string, data?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const head = [`${method} ${path} HTTP/1.1`, 'Host: appinit', 'Connection: close'];
    if (data !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(data)}`);
    const chunks: Buffer[] = [];
    // Written, not ended: a half-closed connection makes node's server drop a request still being
    // answered (a `stop` or `wait` takes a while). The daemon closes it after the answer.
    const sock = net.connect(socketPath, () => sock.write(`${head.join('\r\n')}\r\n\r\n${data ?? ''}`));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(all.toString('latin1', 0, Math.min(all.length, 32)));
      // As node's http client says it ("socket hang up", ECONNRESET): a caller that waits (a
      // resource) tries again when the daemon went away mid-request.
      if (split < 0 || !status) return reject(Object.assign(new Error('appinit: the daemon closed the connection without a whole answer'), { code: 'ECONNRESET' }));
      const headers = all.toString('latin1', 0, split).toLowerCase();
      let body: Buffer = all.subarray(split + 4);
      try {
        if (/\r\ntransfer-encoding: *chunked/.test(headers)) body = unchunk(body);
        else {
          const len = /\r\ncontent-length: *(\d+)/.exec(headers);
          if (len && body.length < Number(len[1])) throw new Error(`short body: ${body.length} of ${len[1]} bytes`);
        }
      } catch (err) {
        return reject(new Error(`appinit: the daemon's answer was cut short (${(err as Error).message})`));
      }
      resolve({ status: Number(status[1]), body });
    });
  });
}
