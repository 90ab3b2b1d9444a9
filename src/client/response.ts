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

/** The most bytes an answer's head may take. */
export const MAX_HEAD = 64 * 1024;

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

/** Reads one response: push() each piece; the answer once it is whole, else null. Each byte is
 *  copied once more at most (a large answer comes in many pieces: no concatenation per piece). */
export class ResponseReader {
  // Before the head is whole: its bytes so far (a head is small: concatenated as it grows).
  private pre: Buffer | null = null;
  private head: Head | null = null;
  // The body's pieces and their length; for a chunked body, only the chunks' data.
  private parts: Buffer[] = [];
  private size = 0;
  private unchunker: Unchunker | null = null;
  private seen = false;
  /** Bytes past the end of the answer (none from a server that answers one request at a time). */
  extra = false;

  /** Any byte of an answer has come. */
  get started(): boolean {
    return this.seen;
  }

  /** The connection cannot carry another request after this answer. */
  get closes(): boolean {
    // Only a counted body ends where the next answer could start: a chunked one's trailer is not read.
    return this.head === null || this.head.closes || typeof this.head.framing !== 'number' || this.extra;
  }

  push(chunk: Buffer): RawResponse | null {
    this.seen = true;
    if (this.head === null) {
      const all = this.pre === null ? chunk : Buffer.concat([this.pre, chunk]);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) {
        if (all.length > MAX_HEAD) throw new CutShort(`appinit: the daemon's answer has no end of its head in ${MAX_HEAD} bytes`);
        this.pre = all;
        return null;
      }
      this.pre = null;
      this.head = parseHead(all.toString('latin1', 0, split), split + 4);
      chunk = all.subarray(split + 4);
    }
    const h = this.head;
    if (h.framing === 'close') {
      this.add(chunk);
      return null;
    }
    if (typeof h.framing === 'number') {
      const want = h.framing - this.size;
      if (chunk.length > want) this.extra = true;
      this.add(chunk.length > want ? chunk.subarray(0, want) : chunk);
      return this.size === h.framing ? this.answer() : null;
    }
    return this.chunked(chunk);
  }

  /** The connection ended: the answer when it was whole by then, else a CutShort error (thrown). */
  end(): RawResponse {
    const h = this.head;
    if (h === null) throw new CutShort('appinit: the daemon closed the connection without a whole answer');
    if (h.framing === 'close') return this.answer();
    if (h.framing === 'chunked') throw new CutShort("appinit: the daemon's answer was cut short (truncated chunked body)");
    throw new CutShort(`appinit: the daemon's answer was cut short (short body: ${this.size} of ${h.framing} bytes)`);
  }

  private add(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.size += b.length;
  }

  private answer(): RawResponse {
    return { status: this.head!.status, body: this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size) };
  }

  // A chunked body as it comes (Unchunker). Whatever follows its last chunk (a trailer, its end)
  // is not read: the connection is not used again (closes).
  private chunked(b: Buffer): RawResponse | null {
    const u = (this.unchunker ??= new Unchunker());
    let data: Buffer[];
    try {
      data = u.feed(b);
    } catch (err) {
      throw new CutShort(`appinit: the daemon's answer was cut short (${(err as Error).message})`);
    }
    for (const d of data) this.add(d);
    return u.done ? this.answer() : null;
  }
}

/** A response's head: its HTTP minor version, status and headers (lower-case names), or null when it is not HTTP. */
export function readHead(text: string): { minor: string; status: number; headers: Record<string, string> } | null {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
  if (!status) return null;
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(':');
    if (colon > 0) headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
  }
  return { minor: status[1], status: Number(status[2]), headers };
}

function parseHead(text: string, bodyStart: number): Head {
  const h = readHead(text);
  if (!h) throw new CutShort(`appinit: the daemon answered with something that is not HTTP: ${JSON.stringify(text.slice(0, 40))}`);
  const length = /^\d+$/.exec(h.headers['content-length'] ?? '');
  const connection = (h.headers.connection ?? '').toLowerCase();
  // 204 and 304 have no body, whatever the head says (RFC 9112 6.3).
  const framing = h.status === 204 || h.status === 304 ? 0 : /chunked/i.test(h.headers['transfer-encoding'] ?? '') ? 'chunked' : length ? Number(length[0]) : 'close';
  const closes = h.minor === '0' ? connection !== 'keep-alive' : connection === 'close';
  return { status: h.status, framing, closes, bodyStart };
}

/** The request's bytes: HTTP/1.1, a JSON body when there is one. */
export function requestHead(method: string, path: string, data: string | undefined, close: boolean): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: appinit\r\n`;
  if (close) head += 'Connection: close\r\n';
  if (data !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n`;
  return `${head}\r\n${data ?? ''}`;
}

/** Turns a chunked body's bytes back into its data as they arrive ("size CRLF data CRLF ... 0 CRLF CRLF"). */
export class Unchunker {
  private left = 0; // data bytes still to come in the current chunk
  private pending = Buffer.alloc(0); // bytes of a size line (or a chunk's CRLF) not yet whole
  private skip = 0; // the CRLF after a chunk's data
  done = false;

  /** Returns the data in b; sets done at the last chunk. Throws on a malformed size line. */
  feed(b: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < b.length && !this.done) {
      if (this.left > 0) {
        const n = Math.min(this.left, b.length - i);
        out.push(b.subarray(i, i + n));
        this.left -= n;
        i += n;
        if (this.left === 0) this.skip = 2;
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const eol = b.indexOf('\n', i);
      if (eol < 0) {
        this.pending = Buffer.concat([this.pending, b.subarray(i)]);
        if (this.pending.length > 1024) throw new Error('bad chunk size line');
        break;
      }
      const line = Buffer.concat([this.pending, b.subarray(i, eol)]).toString('latin1').trim();
      this.pending = Buffer.alloc(0);
      i = eol + 1;
      const size = parseInt(line, 16);
      if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size "${line.slice(0, 20)}"`);
      if (size === 0) this.done = true;
      else this.left = size;
    }
    return out;
  }
}
