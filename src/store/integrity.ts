// Is the store whole? Checked before the daemon trusts it: SQLite itself treats a zero-length
// file as a new empty database and silently drops a WAL whose header is garbage, which once
// turned a damaged store into an empty one (the at queue gone, every program run twice).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** Thrown when the store is damaged; the message says what is wrong and how to recover. */
export class StoreCorrupt extends Error {
  readonly code = 'store_corrupt';
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

// The WAL checksum (sqlite3 wal.c walChecksumBytes): pairs of 32-bit words, in the byte order
// the header's magic says, folded into two running sums.
function walChecksum(buf: Buffer, big: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const x0 = big ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = big ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** What is wrong with the main database file, or null when it looks whole (or is absent). */
export function mainFileProblem(path: string): string | null {
  if (!existsSync(path)) return null;
  const size = statSync(path).size;
  if (size === 0) return null; // decided by the caller: new, unless a backup says a store existed
  const h = readHead(path, 100);
  if (h.length < 100 || h.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') return `${path} is not an SQLite database (bad header, ${size} bytes)`;
  const raw = h.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `${path} has an impossible page size ${raw}`;
  // A checkpoint cut short (a full disk: `down` closing the store) leaves the main file shorter
  // than its new header says while a valid WAL still holds every page: SQLite reads them from it,
  // and quick_check after the open reads every page. Whole then, not truncated.
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size >= 32 + 24 + pageSize && walProblem(wal, path) == null) return null;
  if (size % pageSize !== 0) return `${path} is truncated (${size} bytes is not a whole number of ${pageSize}-byte pages)`;
  // The header's page count is valid when its change counter matches "version-valid-for".
  const pages = h.readUInt32BE(28);
  if (pages > 0 && h.readUInt32BE(24) === h.readUInt32BE(92) && size < pages * pageSize) {
    return `${path} is truncated (${size} bytes, its header says ${pages} pages of ${pageSize} bytes)`;
  }
  return null;
}

/** What is wrong with the write-ahead log, or null when it is absent, empty or valid. A torn last
 *  frame is normal after a crash (SQLite ignores it); a bad header or first frame is not. */
export function walProblem(walPath: string, dbPath: string): string | null {
  if (!existsSync(walPath)) return null;
  const size = statSync(walPath).size;
  if (size === 0) return null;
  if (size < 32) return `${walPath} is not a write-ahead log (${size} bytes)`;
  const h = readHead(walPath, Math.min(size, 32 + 24 + 65536));
  const magic = h.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return `${walPath} is not a write-ahead log (bad magic 0x${magic.toString(16)})`;
  const big = (magic & 1) === 1;
  if (h.readUInt32BE(4) !== 3007000) return `${walPath} has an unknown format version ${h.readUInt32BE(4)}`;
  const pageSize = h.readUInt32BE(8);
  const [c0, c1] = walChecksum(h.subarray(0, 24), big, 0, 0);
  if (c0 !== h.readUInt32BE(24) || c1 !== h.readUInt32BE(28)) return `${walPath} has a damaged header (checksum mismatch)`;
  if (existsSync(dbPath) && statSync(dbPath).size >= 100) {
    const d = readHead(dbPath, 100);
    const raw = d.readUInt16BE(16);
    if ((raw === 1 ? 65536 : raw) !== pageSize) return `${walPath} does not belong to ${dbPath} (page size ${pageSize})`;
  }
  if (size >= 32 + 24 + pageSize) {
    const f = h.subarray(32, 32 + 24 + pageSize);
    if (f.length === 24 + pageSize && !f.subarray(8, 16).equals(h.subarray(16, 24))) return null; // frames of an older generation: ignored by SQLite, nothing lost
    if (f.length === 24 + pageSize) {
      let [s0, s1] = walChecksum(f.subarray(0, 8), big, c0, c1);
      [s0, s1] = walChecksum(f.subarray(24), big, s0, s1);
      if (s0 !== f.readUInt32BE(16) || s1 !== f.readUInt32BE(20)) return `${walPath} has a damaged first frame (checksum mismatch)`;
    }
  }
  return null;
}
