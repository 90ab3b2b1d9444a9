// The files of a managed log stream: its rotated files (out.log.1, .2, ... never renamed again,
// maybe .gz) followed by the live file (out.log), oldest first. Reading is by chunks, never a
// whole file: a stream can hold gigabytes.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';

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

/** Reads a whole log file, decompressing a rotated .gz one (tests and small files only). */
export function readLogFile(path: string): string {
  const buf = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

/** One file of a stream as it was when a read began. */
export interface FileRef {
  path: string;
  gz: boolean;
  /** Bytes to read (plain files): the size when the read began; the live file grows after. */
  size: number;
  ino: number;
  mtimeMs: number;
}

/** A stream's files at one moment: what a read covers, and where a follower goes on from. */
export interface StreamSnapshot {
  live: string;
  files: FileRef[];
  /** The live file's inode and size (0, 0 when it does not exist yet). */
  liveIno: number;
  liveSize: number;
}

/** Takes a stream's snapshot: its files with their sizes now. */
export function snapshot(live: string): StreamSnapshot {
  const files: FileRef[] = [];
  let liveIno = 0;
  let liveSize = 0;
  for (const path of streamFiles(live)) {
    try {
      const st = statSync(path);
      files.push({ path, gz: path.endsWith('.gz'), size: st.size, ino: st.ino, mtimeMs: st.mtimeMs });
      if (path === live) {
        liveIno = st.ino;
        liveSize = st.size;
      }
    } catch {
      /* pruned meanwhile */
    }
  }
  return { live, files, liveIno, liveSize };
}

/** A piece of a file's content (decompressed) and where it starts in it. */
export interface Chunk {
  buf: Buffer;
  base: number;
}

const CHUNK = 256 * 1024; // per stream being read: a read of many programs holds one each

/** Opens a file of a snapshot; null when it is gone. */
// A plain file of the snapshot may have been rotated (the live file) or compressed (a rotated
// one) since: the same inode among today's files, else its compressed copy.
export async function openRef(snap: StreamSnapshot, ref: FileRef): Promise<{ fh: FileHandle; gz: boolean } | null> {
  const tryOpen = async (path: string): Promise<FileHandle | null> => open(path, 'r').catch(() => null);
  let fh = await tryOpen(ref.path);
  if (fh && (ref.gz || (await fh.stat()).ino === ref.ino)) return { fh, gz: ref.gz };
  await fh?.close();
  if (ref.gz) return null;
  for (const path of streamFiles(snap.live)) {
    if (path.endsWith('.gz')) continue;
    try {
      if (statSync(path).ino !== ref.ino) continue;
    } catch {
      continue;
    }
    fh = await tryOpen(path);
    if (fh) return { fh, gz: false };
  }
  // Compressed since: a rotated file's copy is FILE.gz; the live file's, the first new .gz.
  const known = new Set(snap.files.map((f) => f.path));
  const gz = ref.path === snap.live
    ? streamFiles(snap.live).find((p) => p.endsWith('.gz') && !known.has(p) && !known.has(p.slice(0, -3)))
    : `${ref.path}.gz`;
  fh = gz ? await tryOpen(gz) : null;
  return fh ? { fh, gz: true } : null;
}

/** The content of one file of a snapshot from `offset` (in decompressed bytes), by chunks. */
export async function* fileChunks(snap: StreamSnapshot, ref: FileRef, offset: number): AsyncGenerator<Chunk> {
  const opened = await openRef(snap, ref);
  if (!opened) return; // pruned since: its lines are gone
  const { fh } = opened;
  try {
    const limit = ref.gz ? Infinity : ref.size;
    if (!opened.gz) {
      for (let pos = offset; pos < limit;) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        yield { buf: bytesRead < buf.length ? buf.subarray(0, bytesRead) : buf, base: pos };
        pos += bytesRead;
      }
      return;
    }
    let base = 0;
    // The stream owns the handle: destroying it closes the file once a read under way is over.
    const raw = fh.createReadStream({ highWaterMark: 256 * 1024 });
    raw.on('error', () => { /* reaches the reader through the gunzip's end; nothing more to say */ });
    const z = raw.pipe(createGunzip({ chunkSize: 256 * 1024 }));
    try {
      for await (const c of z as AsyncIterable<Buffer>) {
        const from = Math.max(0, offset - base);
        const to = Math.min(c.length, limit - base);
        if (to > from) yield { buf: c.subarray(from, to), base: base + from };
        base += c.length;
        if (base >= limit) break;
      }
    } finally {
      // A reader that stops early (lineHead takes one chunk) leaves a read of the file under way:
      // closing the file under it ended in EBADF, uncaught. The stream closes it when the read is over.
      z.destroy();
      if (!raw.closed) {
        const closed = new Promise((r) => raw.once('close', r));
        raw.destroy();
        await closed;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Complete lines of a chunk run: `starts[i]`..`ends[i]` (the newline excluded) index `buf`. */
export interface Batch {
  buf: Buffer;
  /** Where buf[0] is in the file's content. */
  base: number;
  starts: number[];
  ends: number[];
}

/** Splits chunks into batches of whole lines; a last line without a newline ends the run. */
export async function* lineBatches(chunks: AsyncIterable<Chunk>): AsyncGenerator<Batch> {
  let rest: Buffer | null = null;
  let restBase = 0;
  for await (const c of chunks) {
    const buf: Buffer = rest ? Buffer.concat([rest, c.buf]) : c.buf;
    const base = rest ? restBase : c.base;
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      rest = buf;
      restBase = base;
      continue;
    }
    const starts: number[] = [];
    const ends: number[] = [];
    for (let s = 0; s <= last;) {
      const nl = buf.indexOf(10, s);
      starts.push(s);
      ends.push(nl);
      s = nl + 1;
    }
    rest = last + 1 < buf.length ? buf.subarray(last + 1) : null;
    restBase = base + last + 1;
    yield { buf, base, starts, ends };
  }
  if (rest && rest.length) yield { buf: rest, base: restBase, starts: [0], ends: [rest.length] };
}

/** Follows a live log file across rotations from a point of a snapshot; poll gives whole lines. */
export class Follower {
  private partial: Buffer | null = null;

  /** Follows `live` from byte `pos` of the file with inode `ino` (0: from the start of whatever comes). */
  constructor(private readonly live: string, private ino: number, private pos: number) {}

  private readFrom(path: string, from: number, max: number): Buffer | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= from) return null;
      const len = Math.min(size - from, max);
      const b = Buffer.allocUnsafe(len);
      const n = readSync(fd, b, 0, len, from);
      return b.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** Whole lines appended since the last poll (at most about `max` bytes), or null. */
  poll(max = 1 << 20): Buffer | null {
    let st;
    try {
      st = statSync(this.live);
    } catch {
      return null;
    }
    const parts: Buffer[] = [];
    if (this.ino && st.ino !== this.ino) {
      // Rotated: finish the old file (now the newest plain numbered one), then start the new one.
      const old = streamFiles(this.live).filter((f) => f !== this.live && !f.endsWith('.gz')).at(-1);
      const rest = old ? this.readFrom(old, this.pos, max) : null;
      if (rest) parts.push(rest);
      this.pos = 0;
    }
    this.ino = st.ino;
    if (st.size < this.pos) this.pos = 0; // truncated (logs --flush)
    const data = this.readFrom(this.live, this.pos, max);
    if (data) {
      this.pos += data.length;
      parts.push(data);
    }
    if (parts.length === 0) return null;
    const all = Buffer.concat(this.partial ? [this.partial, ...parts] : parts);
    const last = all.lastIndexOf(10);
    this.partial = last + 1 < all.length ? Buffer.from(all.subarray(last + 1)) : null;
    return last < 0 ? null : all.subarray(0, last + 1);
  }
}

