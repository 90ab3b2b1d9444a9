// The library's resource calls on one kept connection to the daemon: an HTTP Upgrade to
// `appinit-resources` on the daemon's socket, then one JSON object per line each way (see
// src/api/resources/fast.ts). A lock then costs a line of JSON, not an HTTP request and
// response on both sides. Several calls may wait at once on the one connection: answers carry
// the request's number.
import { connect as netConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** The daemon's answer to one call, as the HTTP API gives it. */
export interface FastAnswer {
  status: number;
  body: unknown;
}

interface Pending {
  resolve: (a: FastAnswer) => void;
  reject: (e: Error) => void;
}

// A daemon that does not know the channel (older than this library) is asked again after this
// long, in case it was upgraded meanwhile; calls go over HTTP until then.
const RETRY_UNSUPPORTED_MS = 60_000;

// The longest body sent on the channel; the daemon accepts lines up to 1 MiB (its FAST_MAX_LINE).
const MAX_LINE = (1 << 20) - 4096;

/** One kept connection for resource calls; null from call() means "not sent: use HTTP". */
export class FastChannel {
  private sock: Socket | null = null;
  private opening: Promise<Socket | null> | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  private unsupportedUntil = 0;

  constructor(private readonly socketPath: string) {}

  /**
   * Sends one call (`op`: semop, send, recv, create, remove). Resolves with the answer; null when
   * it was not sent (no daemon answers, or it has no channel) — the caller uses HTTP, which also
   * starts a daemon when that is wanted. Rejects with code ECONNRESET when the connection ended
   * after the call was sent: the caller re-sends it with the same id.
   */
  async call(op: string, body: Record<string, unknown>): Promise<FastAnswer | null> {
    if (Date.now() < this.unsupportedUntil) return null;
    const text = JSON.stringify(body);
    // The daemon cuts off a longer line (FAST_MAX_LINE in src/api/resources/fast.ts): HTTP takes it.
    if (text.length > MAX_LINE) return null;
    const sock = this.sock ?? (await (this.opening ??= this.open()));
    if (!sock || sock.destroyed) return null;
    return new Promise((resolve, reject) => {
      const n = this.next++;
      this.pending.set(n, { resolve, reject });
      // A call under way keeps the process alive (a lock that waits), an idle connection does not.
      if (this.pending.size === 1) sock.ref();
      sock.write(`{"n":${n},"op":${JSON.stringify(op)},"body":${text}}\n`);
    });
  }

  /** Closes the connection (calls under way end with ECONNRESET). */
  close(): void {
    this.sock?.destroy();
  }

  private open(): Promise<Socket | null> {
    return new Promise((resolve) => {
      const sock = netConnect(this.socketPath);
      let upgraded = false;
      let head = '';
      const fail = (): void => {
        this.opening = null;
        resolve(null);
      };
      sock.on('error', () => sock.destroy());
      sock.on('close', () => {
        if (!upgraded) return fail();
        this.sock = null;
        this.opening = null;
        const err = Object.assign(new Error('appinit: the connection to the daemon ended before its answer'), { code: 'ECONNRESET' });
        const left = [...this.pending.values()];
        this.pending.clear();
        for (const p of left) p.reject(err);
      });
      sock.on('connect', () => {
        sock.write(`GET /v1/resources/fast HTTP/1.1\r\nhost: appinit\r\nconnection: Upgrade\r\nupgrade: appinit-resources\r\n\r\n`);
      });
      const utf8 = new StringDecoder('utf8');
      let tail = '';
      const lines = (text: string): void => {
        text = tail + text;
        let at = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
          this.answer(text.slice(at, nl));
          at = nl + 1;
        }
        tail = at === 0 ? text : text.slice(at);
      };
      sock.on('data', (chunk: Buffer) => {
        if (upgraded) return lines(utf8.write(chunk));
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return void (head.length > 64 * 1024 && sock.destroy());
        if (!/^HTTP\/1\.[01] 101 /.test(head)) {
          // A daemon without the channel (it answers 404): HTTP for a while.
          this.unsupportedUntil = Date.now() + RETRY_UNSUPPORTED_MS;
          sock.destroy();
          return;
        }
        upgraded = true;
        this.sock = sock;
        sock.unref();
        resolve(sock);
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length) lines(utf8.write(rest));
      });
    });
  }

  private answer(line: string): void {
    let a: { n: number; status: number; body: unknown };
    try {
      a = JSON.parse(line) as typeof a;
    } catch {
      return void this.sock?.destroy();
    }
    const p = this.pending.get(a.n);
    if (!p) return;
    this.pending.delete(a.n);
    if (this.pending.size === 0) this.sock?.unref();
    p.resolve({ status: a.status, body: a.body });
  }
}
