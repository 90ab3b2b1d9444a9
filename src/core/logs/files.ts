// Reading managed logs: a stream is its rotated files (out.log.1, .2, ... never renamed
// again, maybe .gz) followed by the live file (out.log), oldest first.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The files of one log stream, oldest first; the live file last. */
export function streamFiles(live: string): string[] {
  const dir = dirname(live);
  const base = basename(live) + '.';
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const rotated = names
    .filter((n) => n.startsWith(base) && /^\d+(\.gz)?$/.test(n.slice(base.length)))
    .map((n) => ({ n, i: parseInt(n.slice(base.length), 10) }))
    .sort((a, b) => a.i - b.i)
    .map((x) => join(dir, x.n));
  return existsSync(live) ? [...rotated, live] : rotated;
}

/** Reads a whole log file, decompressing a rotated .gz one. */
export function readLogFile(path: string): string {
  const buf = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

// Reads the last `want` lines of one file (up to byte `end`) without reading all of a large file.
function tailOfFile(path: string, want: number, end?: number): string[] {
  if (path.endsWith('.gz')) return readLogFile(path).split('\n').slice(0, -1).slice(-want);
  const fd = openSync(path, 'r');
  try {
    const size = end ?? fstatSync(fd).size;
    let pos = size;
    let chunks: Buffer[] = [];
    let newlines = 0;
    while (pos > 0 && newlines <= want) {
      const len = Math.min(65536, pos);
      pos -= len;
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, pos);
      chunks = [b, ...chunks];
      for (const c of b) if (c === 10) newlines++;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (pos > 0) lines.shift(); // a partial first line
    return lines.slice(-want);
  } finally {
    closeSync(fd);
  }
}

/** The last n lines of a stream, across its rotated files; `liveEnd` stops the live file there. */
export function tailLines(live: string, n: number, liveEnd?: number): string[] {
  if (n <= 0) return [];
  const files = streamFiles(live);
  let out: string[] = [];
  for (let i = files.length - 1; i >= 0 && out.length < n; i--) {
    out = [...tailOfFile(files[i], n - out.length, files[i] === live ? liveEnd : undefined), ...out];
  }
  return out;
}

/** Follows a live log file across rotations, calling onLines with complete lines. */
export class Follower {
  private pos = 0;
  private ino = 0;
  private partial = '';
  private timer: NodeJS.Timeout;

  /** Follows from the end; `backlog` lines before it are delivered first, with no gap or overlap. */
  constructor(private readonly live: string, private readonly onLines: (lines: string[]) => void, backlog = 0) {
    try {
      const st = statSync(live);
      this.ino = st.ino;
      this.pos = st.size;
    } catch {
      /* not there yet */
    }
    const before = tailLines(live, backlog, this.pos);
    if (before.length) queueMicrotask(() => onLines(before));
    // A short poll keeps this simple and bounded: memory is one read chunk, whatever the writer does.
    this.timer = setInterval(() => this.poll(), 100);
  }

  private readFrom(path: string, from: number): { data: string; end: number } {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return { data: '', end: from };
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= from) return { data: '', end: size < from ? 0 : from };
      const len = Math.min(size - from, 1 << 20);
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, from);
      return { data: b.toString('utf8'), end: from + len };
    } finally {
      closeSync(fd);
    }
  }

  /** Reads what was appended since the last poll. */
  poll(): void {
    let st;
    try {
      st = statSync(this.live);
    } catch {
      return;
    }
    let text = '';
    if (this.ino && st.ino !== this.ino) {
      // Rotated: finish the old file (now the newest numbered one), then start the new one.
      const files = streamFiles(this.live).filter((f) => f !== this.live && !f.endsWith('.gz'));
      const old = files[files.length - 1];
      if (old) text += this.readFrom(old, this.pos).data;
      this.pos = 0;
    }
    this.ino = st.ino;
    if (st.size < this.pos) this.pos = 0; // truncated (logs --flush)
    const r = this.readFrom(this.live, this.pos);
    this.pos = r.end;
    text = this.partial + text + r.data;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (lines.length) this.onLines(lines);
  }

  /** Stops following. */
  close(): void {
    clearInterval(this.timer);
  }
}
