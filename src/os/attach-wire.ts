// The helper's attach protocol (native/supervise.c, conn_frame): what `appinit run`/`fg` and the
// dashboard's terminal speak on the helper's socket. Frames are a 32-bit little-endian length,
// then a type byte and its body: 'd' input, 'w' window size (rows, cols as 16-bit), 'c' with
// 'o'|'e' (the client's stdout|stderr reader left: the job's pipe breaks too), 'o'/'e'
// output, 's' a JSON state event. The first frame names the job ('attach\0job\0N\0...').
// A helper that says {"ev":"attached","tty":1} also takes 't' (empty, with the client's terminal
// passed as SCM_RIGHTS): it then reads the keys and writes the output there itself, and answers
// {"ev":"tty","ok":0|1}; {"ev":"detached"} says it saw the detach keys (src/cli/jobs/attach.ts).
// (The client library's popen speaks it too, in src/client/popen.ts: the library imports no code
// of the layers below it.)

/** The keys that leave a job running and give the prompt back: Ctrl-\ then Ctrl-D. */
export const DETACH_KEYS = Buffer.from([0x1c, 0x04]);

/** One typed frame. */
export function frame(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(data.length + 1);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data]);
}

/** The opening frame: attach to job (with the terminal's size when there is one). */
export function attachFrame(job: number, rows?: number, cols?: number, flow = false): Buffer {
  const parts = ['attach', 'job', String(job)];
  if (rows && cols) parts.push('rows', String(rows), 'cols', String(cols));
  // The client is the job's pipeline: its output waits in the job's pipes while we are behind.
  if (flow) parts.push('flow', '1');
  const body = Buffer.from(parts.join('\0') + '\0');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

/** A window-size body (for a 'w' frame). */
export function winsize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(rows, 0);
  b.writeUInt16LE(cols, 2);
  return b;
}

/** Splits the helper's byte stream into frames, however it arrives. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; calls onFrame for each whole frame. */
  push(d: Buffer, onFrame: (type: string, body: Buffer) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32LE(0);
      if (this.buf.length < 4 + len) break;
      const type = String.fromCharCode(this.buf[4]);
      const body = this.buf.subarray(5, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      onFrame(type, body);
    }
  }
}

/** Watches typed input for the detach keys, which may arrive split across two reads. */
export class DetachScanner {
  private pending: Buffer | null = null; // a Ctrl-\ waiting to see whether Ctrl-D follows

  /** What of these keys to send on to the job, and whether the user detached after it. */
  scan(d: Buffer): { send: Buffer; detach: boolean } {
    let buf = this.pending ? Buffer.concat([this.pending, d]) : d;
    this.pending = null;
    const at = buf.indexOf(DETACH_KEYS);
    if (at >= 0) return { send: buf.subarray(0, at), detach: true };
    if (buf[buf.length - 1] === 0x1c) {
      this.pending = buf.subarray(buf.length - 1);
      buf = buf.subarray(0, buf.length - 1);
    }
    return { send: buf, detach: false };
  }
}
