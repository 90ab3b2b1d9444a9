// A browser terminal attached to a job: the daemon connects to its supervise helper as `appinit
// fg` does and relays bytes both ways over the WebSocket. The CLI's detach rule holds: Ctrl-\
// then Ctrl-D leaves the job running and closes the terminal.
import net from 'node:net';
import type { RawData, WebSocket } from 'ws';

/** The keys that detach (the same as the CLI's). */
export const DETACH_KEYS = Buffer.from([0x1c, 0x04]);

function frame(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(data.length + 1);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data]);
}

function attachFrame(job: number, rows: number, cols: number): Buffer {
  const body = Buffer.from(['attach', 'job', String(job), 'rows', String(rows), 'cols', String(cols)].join('\0') + '\0');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

function winsize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(rows, 0);
  b.writeUInt16LE(cols, 2);
  return b;
}

/** Relays a WebSocket to a job's terminal until either side ends. */
export function relayTerminal(ws: WebSocket, helperSocket: string, jobId: number, rows: number, cols: number): void {
  const sock = net.connect(helperSocket);
  let pending: Buffer | null = null; // a Ctrl-\ waiting to see whether Ctrl-D follows
  let done = false;
  const finish = (ev: Record<string, unknown>) => {
    if (done) return;
    done = true;
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify(ev));
      ws.close(1000, String(ev.ev));
    }
    sock.end();
  };
  sock.on('connect', () => sock.write(attachFrame(jobId, rows, cols)));
  let inbuf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    inbuf = Buffer.concat([inbuf, d]);
    while (inbuf.length >= 5) {
      const len = inbuf.readUInt32LE(0);
      if (inbuf.length < 4 + len) break;
      const type = String.fromCharCode(inbuf[4]);
      const body = inbuf.subarray(5, 4 + len);
      inbuf = inbuf.subarray(4 + len);
      if (type === 'o' || type === 'e') {
        if (ws.readyState === ws.OPEN) ws.send(body, { binary: true });
      } else if (type === 's') {
        const ev = JSON.parse(body.toString('utf8')) as { ev: string; sig?: number; status?: number; respawned?: number };
        if (ev.ev === 'attached') ws.send(JSON.stringify({ ev: 'attached' }));
        else if (ev.ev === 'stopped') finish({ ev: 'stopped', signal: ev.sig ?? 20 });
        else if (ev.ev === 'exit' && !ev.respawned) finish({ ev: 'exit', status: ev.status ?? 0 });
      }
    }
  });
  sock.on('error', () => finish({ ev: 'lost' }));
  sock.on('close', () => finish({ ev: 'lost' }));
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary) {
      // Control messages are JSON text: {resize: {rows, cols}}.
      try {
        const m = JSON.parse(buf.toString('utf8')) as { resize?: { rows?: unknown; cols?: unknown } };
        const r = Number(m.resize?.rows);
        const c = Number(m.resize?.cols);
        if (Number.isInteger(r) && Number.isInteger(c) && r > 0 && c > 0 && r < 65536 && c < 65536) sock.write(frame('w', winsize(r, c)));
      } catch { /* not a control message: ignored */ }
      return;
    }
    let b = pending ? Buffer.concat([pending, buf]) : buf;
    pending = null;
    const at = b.indexOf(DETACH_KEYS);
    if (at >= 0) {
      if (at > 0) sock.write(frame('d', b.subarray(0, at)));
      return finish({ ev: 'detached' });
    }
    if (b[b.length - 1] === 0x1c) {
      pending = b.subarray(b.length - 1);
      b = b.subarray(0, b.length - 1);
    }
    if (b.length) sock.write(frame('d', b));
  });
  ws.on('close', () => { done = true; sock.end(); });
}
