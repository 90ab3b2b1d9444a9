// A terminal attached to a job: keys in, output out, window size followed; the job's stop or
// end comes back as it happens. Talks to the supervise helper directly (one hop for each key),
// or, for the system daemon (whose helper admits only root), through the daemon's socket: an
// HTTP upgrade to the same frames after the daemon has checked the job is the caller's.
import net from 'node:net';
import { pathsFor } from '../../api/paths.js';
import { rawMode } from '../../os/terminal.js';

/** How an attachment ended. */
export type AttachEnd =
  | { kind: 'exit'; status: number } // the raw wait status
  | { kind: 'stopped'; signal: number }
  | { kind: 'detached' }
  | { kind: 'lost' }
  | { kind: 'refused'; message: string };

/** The keys that leave a job running and give the prompt back: Ctrl-\ then Ctrl-D. */
export const DETACH_KEYS = Buffer.from([0x1c, 0x04]);

function frame(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(data.length + 1);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data]);
}

function attachFrame(job: number, rows?: number, cols?: number): Buffer {
  const parts = ['attach', 'job', String(job)];
  if (rows && cols) parts.push('rows', String(rows), 'cols', String(cols));
  const body = Buffer.from(parts.join('\0') + '\0');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

/** An open attachment: `ready` once the helper has registered it; `relay()` then starts
 *  sending this terminal's input (only once the job exists, or its first keys would be lost). */
export interface Attachment {
  ready: Promise<void>;
  done: Promise<AttachEnd>;
  relay: () => void;
}

/** Attaches this process's stdin/stdout/stderr to a job (by its id); with `daemonSocket`, through the daemon. */
export function attach(home: string, jobId: number, daemonSocket: string | null = null): Attachment {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const sock = net.connect(daemonSocket ?? pathsFor(home).superviseSocket);
  // Through the daemon: the answer's head comes first (101, or an error with a JSON body).
  let head: Buffer | null = daemonSocket ? Buffer.alloc(0) : null;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let relay: () => void = () => {};
  const done = new Promise<AttachEnd>((resolveDone) => {
    let finished = false;
    let restore: (() => void) | null = null;
    const finish = (end: AttachEnd) => {
      if (finished) return;
      finished = true;
      restore?.();
      process.stdin.pause();
      process.stdin.removeListener('data', onKey);
      process.stdout.removeListener('resize', onResize);
      sock.end();
      resolveDone(end);
    };
    let pending: Buffer | null = null; // a Ctrl-\ waiting to see whether Ctrl-D follows
    const onKey = (d: Buffer) => {
      if (!tty) return void sock.write(frame('d', d));
      let buf = pending ? Buffer.concat([pending, d]) : d;
      pending = null;
      const at = buf.indexOf(DETACH_KEYS);
      if (at >= 0) {
        if (at > 0) sock.write(frame('d', buf.subarray(0, at)));
        return finish({ kind: 'detached' });
      }
      if (buf[buf.length - 1] === 0x1c) {
        pending = buf.subarray(buf.length - 1);
        buf = buf.subarray(0, buf.length - 1);
      }
      if (buf.length) sock.write(frame('d', buf));
    };
    const onResize = () => {
      const ws = Buffer.alloc(4);
      ws.writeUInt16LE(process.stdout.rows, 0);
      ws.writeUInt16LE(process.stdout.columns, 2);
      sock.write(frame('w', ws));
    };
    let inbuf = Buffer.alloc(0);
    sock.on('connect', () => {
      const rows = tty ? process.stdout.rows : undefined;
      const cols = tty ? process.stdout.columns : undefined;
      if (daemonSocket) {
        const q = `id=${jobId}${rows && cols ? `&rows=${rows}&cols=${cols}` : ''}`;
        sock.write(`GET /v1/attach?${q} HTTP/1.1\r\nhost: appinit\r\nconnection: Upgrade\r\nupgrade: appinit-attach\r\n\r\n`);
      } else sock.write(attachFrame(jobId, rows, cols));
    });
    sock.on('data', (d: Buffer) => {
      if (head) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return void (head.length > 65536 && finish({ kind: 'lost' }));
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        const rest = head.subarray(end + 4);
        head = null;
        if (status !== 101) {
          let message = `the daemon refused the attach (HTTP ${status})`;
          sock.on('end', () => finish({ kind: 'refused', message }));
          try { message = (JSON.parse(rest.toString('utf8')) as { error: { message: string } }).error.message; } catch { /* not all of it yet */ }
          let body = rest;
          sock.removeAllListeners('data');
          sock.on('data', (more: Buffer) => {
            body = Buffer.concat([body, more]);
            try { message = (JSON.parse(body.toString('utf8')) as { error: { message: string } }).error.message; } catch { /* more to come */ }
          });
          return;
        }
        d = rest;
      }
      inbuf = Buffer.concat([inbuf, d]);
      while (inbuf.length >= 5) {
        const len = inbuf.readUInt32LE(0);
        if (inbuf.length < 4 + len) break;
        const type = String.fromCharCode(inbuf[4]);
        const body = inbuf.subarray(5, 4 + len);
        inbuf = inbuf.subarray(4 + len);
        if (type === 'o') process.stdout.write(body);
        else if (type === 'e') process.stderr.write(body);
        else if (type === 's') {
          const ev = JSON.parse(body.toString('utf8')) as { ev: string; sig?: number; status?: number; respawned?: number };
          if (ev.ev === 'attached') {
            if (tty) restore = rawMode(0);
            // A window change before relay() (the job's first output can come before the start's
            // answer) is remembered and sent then: SIGWINCH is not repeated.
            let missedResize = false;
            const early = () => { missedResize = true; };
            if (tty) process.stdout.on('resize', early);
            relay = () => {
              process.stdin.on('data', onKey);
              process.stdin.on('end', () => sock.write(frame('e', Buffer.alloc(0))));
              process.stdin.resume();
              if (tty) {
                process.stdout.removeListener('resize', early);
                process.stdout.on('resize', onResize);
                if (missedResize) onResize();
              }
            };
            resolveReady();
          } else if (ev.ev === 'stopped') finish({ kind: 'stopped', signal: ev.sig ?? 20 });
          else if (ev.ev === 'exit' && !ev.respawned) finish({ kind: 'exit', status: ev.status ?? 0 });
        }
      }
    });
    sock.on('error', () => finish({ kind: 'lost' }));
    sock.on('close', () => finish({ kind: 'lost' }));
  });
  return { ready, done, relay: () => relay() };
}
