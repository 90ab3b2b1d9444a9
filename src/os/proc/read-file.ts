// Synchronous /proc reads through one reused buffer. readFileSync costs an fstat and a fresh
// buffer per call, and /proc files report size 0 anyway; open + read + close is the minimum.
import { closeSync, openSync, readSync } from 'node:fs';

let scratch = Buffer.allocUnsafe(64 * 1024);

/** Reads a whole /proc (or any small) file as bytes into the shared buffer; null if it is gone or unreadable. */
function readInto(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    // One read normally returns the whole file (the kernel renders /proc files in full); read
    // again only when the buffer filled up.
    let n = readSync(fd, scratch, 0, scratch.length, null);
    while (n === scratch.length) {
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
      const got = readSync(fd, scratch, n, scratch.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return n;
  } catch {
    // ESRCH: the process exited between open and read.
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads a file as UTF-8 text, or null if it vanished or cannot be read. */
export function readText(path: string): string | null {
  const n = readInto(path);
  return n === null ? null : scratch.toString('utf8', 0, n);
}

/** Reads a file's raw bytes (a copy), or null if it vanished or cannot be read. */
export function readBytes(path: string): Buffer | null {
  const n = readInto(path);
  return n === null ? null : Buffer.from(scratch.subarray(0, n));
}

/** Reads a NUL-separated file (cmdline) as strings, trailing NULs dropped as procps does. */
export function readNulList(path: string): string[] | null {
  const n = readInto(path);
  if (n === null) return null;
  let end = n;
  while (end > 0 && scratch[end - 1] === 0) end--;
  if (end === 0) return [];
  return scratch.toString('utf8', 0, end).split('\0');
}
