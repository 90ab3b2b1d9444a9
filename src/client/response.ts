// One HTTP/1.1 response read from a connection's bytes as they come, by the two hand-written
// transports (oneshot.ts: one request per connection, for a command line; kept.ts: kept-alive
// connections, for a program). The daemon is node's own server: its answers have a
// content-length (api/http.ts `send`) or are chunked (a stream); an answer with neither lasts
// until the connection closes.

/** The response of one request: its status and its body's bytes. */
export interface RawResponse {
  status: number;
  body: Buffer;
}

/** The daemon's answer ended before it was whole (the message says how); `code` as node's http client says it. */
export class CutShort extends Error {
  readonly code = 'ECONNRESET';
}

const MAX_HEAD = 64 * 1024;

/**
 * Marks a connection's error when the daemon cannot have read the request: the kernel resets a
 * Unix stream connection (ECONNRESET) only when its peer closes with bytes of ours still unread,
 * and a write after the peer closed fails (EPIPE). Only before any byte of an answer: a daemon
 * killed (kill -9) with the request unread. Such a request can be sent again (client/index.ts).
 */
export function markUnread(err: NodeJS.ErrnoException, answered: boolean): NodeJS.ErrnoException {
  if (!answered && !(err instanceof CutShort) && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) Object.assign(err, { unread: true });
  return err;
}

/** The request of this error never reached a handler (see markUnread). */
export function wasUnread(err: unknown): boolean {
  return (err as { unread?: boolean } | null)?.unread === true;
}

interface Head {
  status: number;
  /** The body's length, or 'chunked', or 'close' (until the connection ends). */
  framing: number | 'chunked' | 'close';
  /** The server closes the connection after this answer (`Connection: close`, or HTTP/1.0). */
  closes: boolean;
  bodyStart: number;
}

/** Reads one response: push() each piece; the answer once it is whole, else null. */
export class ResponseReader {
  private buf: Buffer | null = null;
  private head: Head | null = null;
  // Chunked bodies: where the next chunk-size line starts, and the chunks' data so far.
  private cursor = 0;
  private parts: Buffer[] = [];
  /** Bytes past the end of the answer (none from a server that answers one request at a time). */
  extra = false;

  /** Any byte of an answer has come. */
  get started(): boolean {
    return this.buf !== null;
  }

  /** The connection cannot carry another request after this answer. */
  get closes(): boolean {
    return this.head === null || this.head.closes || this.head.framing === 'close' || this.extra;
  }

  push(chunk: Buffer): RawResponse | null {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.head === null) {
      const split = this.buf.indexOf('\r\n\r\n');
      if (split < 0) {
        if (this.buf.length > MAX_HEAD) throw new CutShort(`appinit: the daemon's answer has no end of its head in ${MAX_HEAD} bytes`);
        return null;
      }
      this.head = parseHead(this.buf.toString('latin1', 0, split), split + 4);
      this.cursor = this.head.bodyStart;
    }
    return this.body();
  }

  /** The connection ended: the answer when it was whole by then, else a CutShort error (thrown). */
  end(): RawResponse {
    if (this.head === null || this.buf === null) throw new CutShort('appinit: the daemon closed the connection without a whole answer');
    const done = this.body();
    if (done) return done;
    if (this.head.framing === 'close') return { status: this.head.status, body: this.buf.subarray(this.head.bodyStart) };
    if (this.head.framing === 'chunked') throw new CutShort("appinit: the daemon's answer was cut short (truncated chunked body)");
    throw new CutShort(`appinit: the daemon's answer was cut short (short body: ${this.buf.length - this.head.bodyStart} of ${this.head.framing} bytes)`);
  }

  private body(): RawResponse | null {
    const h = this.head!;
    const b = this.buf!;
    if (h.framing === 'close') return null;
    if (typeof h.framing === 'number') {
      const end = h.bodyStart + h.framing;
      if (b.length < end) return null;
      this.extra = b.length > end;
      return { status: h.status, body: b.subarray(h.bodyStart, end) };
    }
    // chunked: "size CRLF data CRLF ... 0 CRLF (trailers) CRLF"
    for (;;) {
      const eol = b.indexOf('\r\n', this.cursor);
      if (eol < 0) return null;
      const size = parseInt(b.toString('latin1', this.cursor, eol), 16);
      if (!Number.isFinite(size) || size < 0) throw new CutShort("appinit: the daemon's answer was cut short (bad chunk size)");
      if (size === 0) {
        const end = b.indexOf('\r\n\r\n', eol);
        if (end < 0) return null;
        this.extra = b.length > end + 4;
        return { status: h.status, body: this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts) };
      }
      if (b.length < eol + 2 + size + 2) return null;
      this.parts.push(b.subarray(eol + 2, eol + 2 + size));
      this.cursor = eol + 2 + size + 2;
    }
  }
}

function parseHead(text: string, bodyStart: number): Head {
  const status = /^HTTP\/1\.([01]) (\d{3})/.exec(text);
  if (!status) throw new CutShort(`appinit: the daemon answered with something that is not HTTP: ${JSON.stringify(text.slice(0, 40))}`);
  const headers = text.toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(headers);
  const code = Number(status[2]);
  // 204 and 304 have no body, whatever the head says (RFC 9112 6.3).
  const framing = code === 204 || code === 304 ? 0 : /\r\ntransfer-encoding: *chunked/.test(headers) ? 'chunked' : length ? Number(length[1]) : 'close';
  const closes = status[1] === '0' ? !/\r\nconnection: *keep-alive/.test(headers) : /\r\nconnection: *close/.test(headers);
  return { status: code, framing, closes, bodyStart };
}

/** The request's bytes: HTTP/1.1, a JSON body when there is one. */
export function requestHead(method: string, path: string, data: string | undefined, close: boolean): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: appinit\r\n`;
  if (close) head += 'Connection: close\r\n';
  if (data !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n`;
  return `${head}\r\n${data ?? ''}`;
}
