// Reading what programs wrote: the streams of one or more programs merged into one, in the order
// the lines were written (by their timestamps), then followed. Streamed end to end: files are
// read by chunks, output goes out by chunks, and the event loop is handed back between them.
import { statSync } from 'node:fs';
import { lineBatches, fileChunks, Follower, snapshot, type Batch, type StreamSnapshot } from './files.js';
import type { Emitter, LogSource } from './emit.js';
import { findStart, type StartPoint } from './scan.js';
import { StampParser } from './stamp.js';

/** Which lines to read: the last `n` (null: no count) of those at or after `since` (ms, or null). */
export interface ReadQuery {
  n: number | null;
  since: number | null;
}

/** What a read covered: each source's snapshot, where a follower goes on from. */
export interface ReadResult {
  lines: number;
  snapshots: StreamSnapshot[];
}

const SLICE_MS = 8; // longest run of work before other requests get the event loop

// One source's read position, and its head line with its time.
class Cursor {
  private batches: AsyncGenerator<Batch> | null = null;
  private b: Batch | null = null;
  private k = 0;
  private file: number;
  private offset: number;
  private readonly p = new StampParser();
  /** Time of the last stamped line (µs): an unstamped line takes it. */
  private prev: number | null = null;
  /** The head line's merge key, own time (or null), prefix length and form. */
  key = 0;
  us: number | null = null;
  plen = 0;
  iso = false;
  done = false;

  constructor(readonly src: LogSource, readonly index: number, private readonly snap: StreamSnapshot, start: { file: number; offset: number; before: number | null }, private readonly since: number | null) {
    this.file = start.file;
    this.offset = start.offset;
    this.prev = start.before;
  }

  get buf(): Buffer {
    return this.b!.buf;
  }
  get s(): number {
    return this.b!.starts[this.k];
  }
  get e(): number {
    return this.b!.ends[this.k];
  }

  // Evaluates the line at k; false when `since` drops it.
  private evaluate(): boolean {
    const b = this.b!;
    if (this.src.stamped && this.p.parse(b.buf, b.starts[this.k], b.ends[this.k])) {
      this.prev = this.us = this.key = this.p.us;
      this.plen = this.p.len;
      this.iso = this.p.iso;
      return this.since == null || this.p.us >= this.since;
    }
    this.us = null;
    this.plen = 0;
    this.iso = false;
    this.key = this.prev ?? -Infinity;
    return this.since == null || this.prev == null || this.prev >= this.since;
  }

  /** Moves to the next line that passes `since`, synchronously; true when a new batch must be read. */
  step(): boolean {
    for (;;) {
      if (!this.b) return true;
      if (++this.k >= this.b.starts.length) {
        this.b = null;
        return true;
      }
      if (this.evaluate()) return false;
    }
  }

  /** Reads batches until there is a head line (or none is left). */
  async fill(): Promise<void> {
    while (!this.done) {
      if (this.b) {
        if (this.k < this.b.starts.length && this.evaluate()) return;
        if (!this.step()) return;
      }
      if (!this.batches) {
        if (this.file >= this.snap.files.length) {
          this.done = true;
          return;
        }
        this.batches = lineBatches(fileChunks(this.snap, this.snap.files[this.file], this.offset));
        this.offset = 0;
      }
      const r = await this.batches.next();
      if (r.done) {
        this.batches = null;
        this.file++;
        continue;
      }
      this.b = r.value;
      this.k = 0;
    }
  }
}

/**
 * Reads sources merged by time into an emitter: lines of one stream keep their order; between
 * streams the earlier time goes first, and on equal times the source listed first (stdout before
 * stderr). A line without a timestamp takes the time of the line before it in its stream (the
 * start of time at the head of a stream), so `timestamps: none` logs come stream after stream.
 */
export async function readLogs(sources: LogSource[], q: ReadQuery, out: Emitter): Promise<ReadResult> {
  const snapshots = sources.map((s) => snapshot(s.live));
  if (q.n === 0) return { lines: 0, snapshots };
  const sinceUs = q.since == null ? null : q.since * 1000;
  // One stream at a time: a scan holds a chunk, and a read of every program has many streams.
  const starts: StartPoint[] = [];
  for (const [i, snap] of snapshots.entries()) starts.push(await findStart(snap, q.n ?? Infinity, sources[i].stamped ? sinceUs : null, sources[i].stamped));
  let skip = q.n == null ? 0 : Math.max(0, starts.reduce((a, s) => a + s.taken, 0) - q.n);
  const cursors = sources.map((src, i) => new Cursor(src, i, snapshots[i], starts[i], src.stamped ? sinceUs : null));
  await Promise.all(cursors.map((c) => c.fill()));
  let live = cursors.filter((c) => !c.done);
  let lines = 0;
  let sliceStart = Date.now();
  while (live.length) {
    let c = live[0];
    for (let i = 1; i < live.length; i++) if (live[i].key < c.key) c = live[i];
    if (skip > 0) skip--;
    else {
      out.line(c.src, c.buf, c.s, c.e, c.us, c.plen, c.iso);
      lines++;
    }
    if (c.step()) {
      await c.fill();
      if (c.done) live = live.filter((x) => x !== c);
    }
    if (out.pending() >= 192 * 1024) {
      await out.flush();
      if (Date.now() - sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = Date.now();
      }
    }
  }
  await out.flush();
  return { lines, snapshots };
}

/** Follows sources from where a read ended, merging what each poll finds by time. */
export class LogFollow {
  private readonly followers: Follower[];
  private readonly parsers: StampParser[];
  private readonly prev: (number | null)[];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly sources: LogSource[], snapshots: StreamSnapshot[]) {
    this.followers = snapshots.map((s) => new Follower(s.live, s.liveIno, s.liveSize));
    this.parsers = sources.map(() => new StampParser());
    this.prev = sources.map(() => null);
  }

  /** Starts polling; `onPoll` gets each poll's lines through `emit` (return false to skip them). */
  start(onPoll: (emit: (out: Emitter) => number) => void, everyMs = 100): void {
    // A short poll keeps this simple and bounded: memory is one read chunk per stream.
    this.timer = setInterval(() => onPoll((out) => this.poll(out)), everyMs);
  }

  /** Reads what every stream appended and emits it merged; returns the number of lines. */
  poll(out: Emitter): number {
    const found: { i: number; b: Buffer; s: number; e: number; key: number; us: number | null; plen: number; iso: boolean }[] = [];
    this.followers.forEach((f, i) => {
      const b = f.poll();
      if (!b) return;
      const p = this.parsers[i];
      for (let s = 0; s < b.length;) {
        const e = b.indexOf(10, s);
        let us: number | null = null;
        let plen = 0;
        let iso = false;
        if (this.sources[i].stamped && p.parse(b, s, e)) {
          us = this.prev[i] = p.us;
          plen = p.len;
          iso = p.iso;
        }
        found.push({ i, b, s, e, key: us ?? this.prev[i] ?? -Infinity, us, plen, iso });
        s = e + 1;
      }
    });
    found.sort((a, b) => a.key - b.key || a.i - b.i); // stable: a stream's lines keep their order
    for (const l of found) out.line(this.sources[l.i], l.b, l.s, l.e, l.us, l.plen, l.iso);
    return found.length;
  }

  /** Follows one more stream (a program added while `logs -f` of every program runs) from the
   *  live file's inode and size now: what it writes from here on, not what an earlier program of
   *  that name left there. */
  add(source: LogSource): void {
    let ino = 0;
    let size = 0;
    try {
      const st = statSync(source.live);
      ino = st.ino;
      size = st.size;
    } catch { /* not made yet: from the start of whatever comes */ }
    this.sources.push(source);
    this.followers.push(new Follower(source.live, ino, size));
    this.parsers.push(new StampParser());
    this.prev.push(null);
  }

  /** The live files followed. */
  follows(live: string): boolean {
    return this.sources.some((s) => s.live === live);
  }

  /** Stops following. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
