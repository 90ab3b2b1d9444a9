// What a read produces, line by line: text as a person reads it, NDJSON for programs, or objects
// for a bounded JSON answer. Emitters fill a buffer and hand it on in chunks; the merge waits for
// the chunk to be taken (back-pressure), so memory is a chunk whatever the log's size.
import { StampFormatter } from './stamp.js';

/** One stream of one program, as a read sees it. */
export interface LogSource {
  name: string;
  stream: 'stdout' | 'stderr';
  /** The live file; rotated files are found beside it. */
  live: string;
  /** False for log.timestamps: none: no prefix is read as a time. */
  stamped: boolean;
}

/** One line of a program's log. `time` (ms since the epoch) when the line has a timestamp. */
export interface LogLine {
  name: string;
  stream: 'stdout' | 'stderr';
  /** The line as stored: with the time stamp appinit put before it (`2026-12-05T02:11:55.340285Z tick`). */
  line: string;
  /** The line as the program wrote it, without that stamp (`tick`). */
  message: string;
  time: number | null;
  /** The line as `logs` shows it (follow streams only). */
  text?: string;
}

/** Takes one chunk of output; a promise holds the reader back until the chunk is taken. */
export type Sink = (chunk: Buffer) => void | Promise<void>;

/** Receives merged lines: `us` the line's own time (null without one), `plen` its prefix length. */
export interface Emitter {
  line(src: LogSource, b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): void;
  /** Bytes waiting to be handed on. */
  pending(): number;
  flush(): void | Promise<void>;
}

/** How lines are shown: each behind its program's name (`multi`), times in zone `tz` (null: as stored). */
export interface TextOptions {
  multi: boolean;
  tz: string | null;
}

const CHUNK = 256 * 1024;

// Shared by the text forms: `name | ` then the time in the reader's zone, then the line.
class Shower {
  private readonly names = new Map<string, Buffer>();
  readonly fmt: StampFormatter | null;

  constructor(private readonly o: TextOptions) {
    this.fmt = o.tz ? new StampFormatter(o.tz) : null;
  }

  name(n: string): Buffer {
    let b = this.names.get(n);
    if (!b) this.names.set(n, (b = Buffer.from(`${n} | `)));
    return b;
  }

  /** A line's time as shown, with its space (ASCII), or '' when it keeps its own. */
  head(us: number | null, iso: boolean): string {
    return this.fmt && iso && us != null ? this.fmt.format(us) + ' ' : '';
  }

  get multi(): boolean {
    return this.o.multi;
  }
}

/** Plain text: one shown line per line, bytes of the line passed through untouched. */
export class TextEmitter implements Emitter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly show: Shower;

  constructor(o: TextOptions, private readonly sink: Sink) {
    this.show = new Shower(o);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  line(src: LogSource, b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): void {
    const fmt = iso && us != null ? this.show.fmt : null;
    const from = fmt ? s + plen : s;
    const name = this.show.multi ? this.show.name(src.name) : null;
    this.room((name?.length ?? 0) + 24 + (e - from) + 1);
    if (name) this.pos += name.copy(this.buf, this.pos);
    if (fmt) {
      this.pos += fmt.formatInto(us!, this.buf, this.pos);
      this.buf[this.pos++] = 32;
    }
    const n = e - from;
    if (n < 64) for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[from + i];
    else b.copy(this.buf, this.pos, from, e);
    this.pos += n;
    this.buf[this.pos++] = 10;
  }

  pending(): number {
    return this.pos;
  }

  flush(): void | Promise<void> {
    if (this.pos === 0) return;
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    return this.sink(out);
  }
}

/** A line without the stamp appinit stored before it (plen bytes, its space included). */
function messageOf(b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): string {
  return b.toString('utf8', iso && us != null ? s + plen : s, e);
}

/** The shown text of a line (follow streams carry it beside the raw line). */
function shown(show: Shower, src: LogSource, b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): string {
  const head = show.head(us, iso);
  return (show.multi ? `${src.name} | ` : '') + head + b.toString('utf8', head ? s + plen : s, e);
}

/** NDJSON: one LogLine object per line; with `text` when asked (follow streams). */
export class NdjsonEmitter implements Emitter {
  private parts: string[] = [];
  private size = 0;
  private readonly show: Shower | null;

  constructor(o: TextOptions | null, private readonly sink: Sink) {
    this.show = o ? new Shower(o) : null;
  }

  line(src: LogSource, b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): void {
    const l: LogLine = { name: src.name, stream: src.stream, line: b.toString('utf8', s, e), message: messageOf(b, s, e, us, plen, iso), time: us == null ? null : Math.floor(us / 1000) };
    if (this.show) l.text = shown(this.show, src, b, s, e, us, plen, iso);
    const j = JSON.stringify(l) + '\n';
    this.parts.push(j);
    this.size += j.length;
  }

  /** Adds an object of its own (a notice: `{missed: N}`, `{warning: ...}`). */
  object(v: unknown): void {
    const j = JSON.stringify(v) + '\n';
    this.parts.push(j);
    this.size += j.length;
  }

  pending(): number {
    return this.size;
  }

  flush(): void | Promise<void> {
    if (this.size === 0) return;
    const out = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    return this.sink(out);
  }
}

/** Thrown when a collected answer would be larger than its bound. */
export class TooManyLines extends Error {}

/** Collects LogLine objects, up to a bound (a JSON answer is built whole). */
export class CollectEmitter implements Emitter {
  readonly lines: LogLine[] = [];
  private bytes = 0;

  constructor(private readonly maxLines: number, private readonly maxBytes: number) {}

  line(src: LogSource, b: Buffer, s: number, e: number, us: number | null, plen: number, iso: boolean): void {
    this.bytes += 2 * (e - s) + 64;
    if (this.lines.length >= this.maxLines || this.bytes > this.maxBytes) {
      throw new TooManyLines(`more than ${this.maxLines} lines or ${this.maxBytes >> 20} MB for one JSON answer: ask for fewer (n, since) or stream them (GET /v1/logs/read, client.readLogs)`);
    }
    this.lines.push({ name: src.name, stream: src.stream, line: b.toString('utf8', s, e), message: messageOf(b, s, e, us, plen, iso), time: us == null ? null : Math.floor(us / 1000) });
  }

  pending(): number {
    return 0;
  }

  flush(): void {}
}
