// Kept-alive connections to the daemon, HTTP/1.1 written by hand over node:net: what a program
// that makes many calls uses (the typed client's default). node:http's client costs ~0.1-0.3 ms
// more per call than the call's own work at 50 programs (bench/scale's `status via the library`;
// measured side by side, status of 50 programs: node:http 0.24-0.60 ms, this 0.16-0.26 ms).
//
// One request at a time per connection (no pipelining). A call takes an idle connection or opens
// a new one, up to MAX_OPEN at once (a program's `Promise.all` of 2,000 calls must not run out of
// descriptors, its own or the daemon's): the calls beyond wait their turn, in order. A few long
// calls (`stop`, `wait`) hold up nothing (node's Agent had 4 sockets). At most MAX_IDLE are kept;
// idle connections are unref'd: they keep no program alive.
import net from 'node:net';
import { CutShort, markUnread, requestHead, ResponseReader, wasUnread, type RawResponse } from './response.js';

const MAX_IDLE = 8;
const MAX_OPEN = 32;

interface Pending {
  reader: ResponseReader;
  resolve: (r: RawResponse) => void;
  reject: (err: Error) => void;
}

/** A connection and the request it carries, if any. */
class Conn {
  readonly sock: net.Socket;
  pending: Pending | null = null;
  /** It has carried a request before this one (the server may have closed it while idle). */
  reused = false;

  constructor(socketPath: string, private readonly pool: KeptConnections) {
    this.sock = net.connect(socketPath);
    this.sock.on('data', (c: Buffer) => this.onData(c));
    this.sock.on('error', (err) => this.fail(err));
    this.sock.on('end', () => this.onEnd());
    this.sock.on('close', () => this.fail(new CutShort('appinit: the daemon closed the connection without a whole answer')));
  }

  private onData(c: Buffer): void {
    const p = this.pending;
    if (!p) return void this.sock.destroy(); // bytes nobody asked for: never reuse it
    let answer: RawResponse | null;
    try {
      answer = p.reader.push(c);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (!answer) return;
    this.pending = null;
    if (p.reader.closes) this.sock.destroy();
    else this.pool.release(this);
    p.resolve(answer);
  }

  private onEnd(): void {
    const p = this.pending;
    this.pool.forget(this);
    if (!p) return void this.sock.destroy();
    this.pending = null;
    this.sock.destroy();
    try {
      p.resolve(p.reader.end());
    } catch (err) {
      this.reject(p, err as Error);
    }
  }

  private fail(err: Error): void {
    this.pool.forget(this);
    this.sock.destroy();
    const p = this.pending;
    this.pending = null;
    if (p) this.reject(p, err);
  }

  // Marked when the daemon cannot have read the request on a kept connection: see request().
  private reject(p: Pending, err: Error): void {
    markUnread(err, p.reader.started);
    p.reject(Object.assign(err, { reusedUnread: this.reused && wasUnread(err), reusedUnanswered: this.reused && !p.reader.started }));
  }
}

/** The kept-alive connections to one socket. */
export class KeptConnections {
  private readonly idle: Conn[] = [];
  // Calls under way (each on its own connection), and those waiting for one of them to end.
  private busy = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly socketPath: string) {}

  // A turn to make a call: at once while fewer than MAX_OPEN are under way, else after one ends.
  private turn(): Promise<void> | undefined {
    if (this.busy < MAX_OPEN) {
      this.busy++;
      return undefined;
    }
    return new Promise((resolve) => this.queue.push(resolve)); // busy is handed over by done()
  }

  private done(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.busy--;
  }

  /** Sends one request and reads its whole answer. A kept connection the daemon closed while it
   *  was idle (it closes those after its keep-alive, 5 s; a program whose event loop was blocked
   *  learns it only when it writes: EPIPE) never reached a handler: the request goes once more on a
   *  new one. Only then: a connection that ends with no answer after the daemon read the request
   *  (killed in the handler) is an error for anything but a GET, or a `run` in flight would start
   *  its job twice. */
  async request(method: string, path: string, data?: string): Promise<RawResponse> {
    await this.turn();
    try {
      return await this.send(method, path, data, this.idle.pop());
    } catch (err) {
      // A GET changes nothing: asked again whenever no answer came on a kept connection.
      const e = err as { reusedUnread?: boolean; reusedUnanswered?: boolean };
      if (!(method === 'GET' ? e.reusedUnanswered : e.reusedUnread)) throw err;
      return await this.send(method, path, data, undefined);
    } finally {
      this.done();
    }
  }

  private send(method: string, path: string, data: string | undefined, conn: Conn | undefined): Promise<RawResponse> {
    const c = conn ?? new Conn(this.socketPath, this);
    c.sock.ref();
    return new Promise((resolve, reject) => {
      c.pending = { reader: new ResponseReader(), resolve, reject };
      c.sock.write(requestHead(method, path, data, false));
    });
  }

  /** An answered connection, ready for the next request. */
  release(c: Conn): void {
    c.reused = true;
    if (this.idle.length >= MAX_IDLE) return void c.sock.destroy();
    c.sock.unref();
    this.idle.push(c);
  }

  /** A connection that ended or failed: never handed out again. */
  forget(c: Conn): void {
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }
}
