// Where a read of one stream starts: the N-th line from the end, or the first line at or after a
// time, whichever comes later. Plain files are read backwards by chunks (`-n 15` of a 1 GB log
// reads one chunk); a compressed file is read forwards, at most twice. Memory is one chunk.
import type { FileHandle } from 'node:fs/promises';
import { lineBatches, fileChunks, openRef, type StreamSnapshot } from './files.js';
import { StampParser } from './stamp.js';

/** Where to start reading a stream, and how many lines the read from there will give. */
export interface StartPoint {
  file: number;
  offset: number;
  taken: number;
  /** The time the first line inherits when unstamped (µs), when the line before it is known. */
  before: number | null;
}

/**
 * How `since` treats lines without a timestamp (in a stamped log): a line inherits the time of
 * the stamped line before it. Reading backwards, unstamped lines are counted tentatively
 * (`pending`) until the stamped line before them says whether they are in.
 */
interface State {
  taken: number;
  pending: number;
}

const CHUNK = 1 << 20;
const PREFIX = 64; // bytes past a chunk, so a line's timestamp prefix is always whole

// One line met reading backwards; true when the read starts at it.
function take(st: State, p: StampParser, buf: Buffer, s: number, need: number, since: number | null): boolean {
  if (since == null) return ++st.taken >= need;
  if (p.parse(buf, s, buf.length)) {
    if (p.us < since) {
      st.taken -= st.pending;
      st.pending = 0;
      return true; // starts at this line, which the forward read drops: it anchors the pending ones
    }
    st.pending = 0;
  } else {
    st.pending++;
  }
  return ++st.taken >= need;
}

// Visits the lines of buf[0, end) of a plain file from the last to the first; returns the
// offset of the line where visit said stop, or null when the file's start was reached.
async function backwards(fh: FileHandle, end: number, visit: (buf: Buffer, s: number) => boolean): Promise<number | null> {
  if (end === 0) return null;
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, end - 1);
  let pos = one[0] === 10 ? end - 1 : end; // newlines before pos end the lines before the current one
  for (;;) {
    const lo = Math.max(0, pos - CHUNK);
    const top = Math.min(end, pos + PREFIX);
    const buf = Buffer.allocUnsafe(top - lo);
    for (let got = 0; got < buf.length;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, lo + got);
      if (bytesRead === 0) {
        buf.fill(10, got); // truncated under us (logs --flush): nothing more to see
        break;
      }
      got += bytesRead;
    }
    let i = pos - lo;
    for (;;) {
      const nl = i > 0 ? buf.lastIndexOf(10, i - 1) : -1;
      if (nl < 0 && lo > 0) {
        pos = lo;
        break;
      }
      if (visit(buf, nl + 1)) return lo + nl + 1;
      if (nl < 0) return null;
      i = nl;
    }
  }
}

// The time of the last stamped line before `offset` of file i (or in the files before it).
async function stampBefore(snap: StreamSnapshot, i: number, offset: number, p: StampParser): Promise<number | null> {
  for (let f = i; f >= 0; f--) {
    const end = f === i ? offset : Infinity;
    const opened = await openRef(snap, snap.files[f]);
    if (!opened) continue;
    if (!opened.gz) {
      try {
        const at = await backwards(opened.fh, Math.min(end, snap.files[f].size), (buf, s) => p.parse(buf, s, buf.length));
        if (at != null) return p.us;
      } finally {
        await opened.fh.close();
      }
      continue;
    }
    await opened.fh.close();
    let last: number | null = null;
    for await (const b of lineBatches(fileChunks(snap, snap.files[f], 0))) {
      for (let k = 0; k < b.starts.length && b.base + b.starts[k] < end; k++) if (p.parse(b.buf, b.starts[k], b.ends[k])) last = p.us;
    }
    if (last != null) return last;
  }
  return null;
}

// A compressed file, forwards: the same answer as reading it backwards would give.
async function forwards(snap: StreamSnapshot, i: number, st: State, p: StampParser, need: number, since: number | null): Promise<number | null> {
  const ref = snap.files[i];
  let lines = 0, stopIdx = -1, stopOff = 0, firstStamp = -1, pendAfterStop = 0, stampedAfterStop = false;
  for await (const b of lineBatches(fileChunks(snap, ref, 0))) {
    for (let k = 0; k < b.starts.length; k++, lines++) {
      if (since == null) continue;
      if (p.parse(b.buf, b.starts[k], b.ends[k])) {
        if (firstStamp < 0) firstStamp = lines;
        if (p.us < since) {
          stopIdx = lines;
          stopOff = b.base + b.starts[k];
          pendAfterStop = 0;
          stampedAfterStop = false;
        } else {
          stampedAfterStop = true;
        }
      } else if (!stampedAfterStop) {
        pendAfterStop++;
      }
    }
  }
  const afterStop = lines - stopIdx - 1;
  const remaining = need - st.taken;
  if (afterStop >= remaining) {
    const j = lines - remaining;
    let idx = 0;
    for await (const b of lineBatches(fileChunks(snap, ref, 0))) {
      if (idx + b.starts.length > j) {
        st.taken = need;
        return b.base + b.starts[j - idx];
      }
      idx += b.starts.length;
    }
    return 0; // shrank meanwhile (flushed): start at its beginning
  }
  if (stopIdx >= 0) {
    st.taken += afterStop - (stampedAfterStop ? pendAfterStop : st.pending + afterStop);
    st.pending = 0;
    return stopOff;
  }
  st.taken += lines;
  st.pending = firstStamp < 0 ? st.pending + lines : firstStamp;
  return null;
}

/**
 * Finds where to start reading a stream for the last `need` lines (Infinity: no count) at or
 * after `since` (µs since the epoch, or null), lines without a timestamp taking the time of
 * the stamped line before them. Assumes times do not go backwards within a stream.
 */
export async function findStart(snap: StreamSnapshot, need: number, since: number | null, stamped = true): Promise<StartPoint> {
  const st: State = { taken: 0, pending: 0 };
  const p = new StampParser();
  for (let i = snap.files.length - 1; i >= 0; i--) {
    const ref = snap.files[i];
    // A file last written before `since` holds nothing newer: the helper stamps a line before
    // writing it (compression keeps the mtime).
    if (since != null && ref.gz && ref.mtimeMs * 1000 < since) {
      // Unstamped lines at the head of the next file inherit a time before `since`: out.
      return { file: i + 1, offset: 0, taken: st.taken - st.pending, before: since - 1 };
    }
    let at: number | null;
    const opened = ref.gz ? null : await openRef(snap, ref);
    if (opened && !opened.gz) {
      try {
        at = await backwards(opened.fh, ref.size, (buf, s) => take(st, p, buf, s, need, since));
      } finally {
        await opened.fh.close();
      }
    } else {
      await opened?.fh.close();
      at = await forwards(snap, i, st, p, need, since);
    }
    if (at == null) continue;
    // Starting at an unstamped line: it takes the time of the stamped line before it (for the
    // merge), which is further back.
    const head = await lineHead(snap, i, at);
    const before = stamped && head && !p.parse(head, 0, head.length) ? await stampBefore(snap, i, at, p) : null;
    return { file: i, offset: at, taken: st.taken, before };
  }
  return { file: 0, offset: 0, taken: st.taken, before: null };
}

// The first bytes of the line at `offset` of file i.
async function lineHead(snap: StreamSnapshot, i: number, offset: number): Promise<Buffer | null> {
  for await (const c of fileChunks(snap, snap.files[i], offset)) return c.buf.subarray(0, Math.min(c.buf.length, PREFIX));
  return null;
}
