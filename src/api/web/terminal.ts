// A browser terminal attached to a job: the daemon connects to its supervise helper as `appinit
// fg` does and relays bytes both ways over the WebSocket. The CLI's detach rule holds: Ctrl-\
// then Ctrl-D leaves the job running and closes the terminal.
import net from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { attachFrame, DetachScanner, frame, FrameReader, winsize } from '../../os/attach-wire.js';

export { DETACH_KEYS } from '../../os/attach-wire.js';

/** Relays a WebSocket to a job's terminal until either side ends. */
export function relayTerminal(ws: WebSocket, helperSocket: string, jobId: number, rows: number, cols: number): void {
  const sock = net.connect(helperSocket);
  const detach = new DetachScanner();
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
  const frames = new FrameReader();
  sock.on('data', (d: Buffer) => frames.push(d, (type, body) => {
    if (type === 'o' || type === 'e') {
      if (ws.readyState === ws.OPEN) ws.send(body, { binary: true });
    } else if (type === 's') {
      const ev = JSON.parse(body.toString('utf8')) as { ev: string; sig?: number; status?: number; respawned?: number };
      if (ev.ev === 'attached') ws.send(JSON.stringify({ ev: 'attached' }));
      else if (ev.ev === 'stopped') finish({ ev: 'stopped', signal: ev.sig ?? 20 });
      else if (ev.ev === 'exit' && !ev.respawned) finish({ ev: 'exit', status: ev.status ?? 0 });
    }
  }));
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
    const { send, detach: leave } = detach.scan(buf);
    if (send.length) sock.write(frame('d', send));
    if (leave) finish({ ev: 'detached' });
  });
  ws.on('close', () => { done = true; sock.end(); });
}
