// One request on its own connection, HTTP/1.1 written by hand over node:net: what a command
// line run needs (one or two calls, then exit). node:http costs more to load than the whole call
// (bench/cli.ts); a library that makes many calls uses kept-alive connections (kept.ts).
import net from 'node:net';
import { markUnread, requestHead, ResponseReader, type RawResponse } from './response.js';

export type { RawResponse } from './response.js';

/** Sends one request over a new connection to a Unix socket and reads the whole answer. */
export function requestOnce(socketPath: string, method: string, path: string, data?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseReader();
    let answer: RawResponse | null = null;
    // Written, not ended: a half-closed connection makes node's server drop a request still being
    // answered (a `stop` or `wait` takes a while). The daemon closes it after the answer.
    const sock = net.connect(socketPath, () => sock.write(requestHead(method, path, data, true)));
    sock.on('data', (c: Buffer) => {
      try {
        answer ??= reader.push(c);
      } catch (err) {
        sock.destroy();
        reject(err);
      }
    });
    sock.on('error', (err) => reject(markUnread(err, reader.started)));
    // As node's http client says it ("socket hang up", ECONNRESET): a caller that waits (a
    // resource) tries again when the daemon went away mid-request.
    sock.on('end', () => {
      try {
        resolve(answer ?? reader.end());
      } catch (err) {
        reject(err);
      }
    });
  });
}
