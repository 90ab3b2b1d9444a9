// Control files and env files are read only when they are regular files under a size
// limit: a link to /dev/zero, a FIFO or a 5 GB log given by mistake is refused at once
// instead of filling the daemon's memory or blocking it.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hasAccessAcl } from '../os/access.js';
import { BOUNDS } from './program.js';
import { formatSize } from './units.js';
import { notUtf8, RECODE } from './utf8.js';

/** Who reads a file on whose behalf: a permission check is made for them (root may read anything). */
export interface Reader {
  uid: number;
  gids: number[];
}

/** True when `who` has permission `bit` (4 read, 2 write, 1 execute) on a file by its mode. */
export function permits(st: Stats, who: Reader, bit: 4 | 2 | 1): boolean {
  if (who.uid === 0) return bit !== 1 || (st.mode & 0o111) !== 0 || st.isDirectory();
  if (st.uid === who.uid) return ((st.mode >> 6) & bit) !== 0;
  if (who.gids.includes(st.gid)) return ((st.mode >> 3) & bit) !== 0;
  return (st.mode & bit) !== 0;
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * The first directory on the way to `path` that `who` may not enter (search, x), or null. The
 * kernel checks every directory of a path, not only its last one: a 0644 file in a 0700
 * directory is not another user's to read, and a 0755 cwd under one is not theirs to enter.
 * Checked from / down (the outermost closed one is named); root enters everything.
 */
export function closedOnTheWay(path: string, who: Reader, stat: (p: string) => Stats | null = statOrNull): string | null {
  if (who.uid === 0) return null;
  const dirs: string[] = [];
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    dirs.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of dirs.reverse()) {
    const st = stat(d);
    // One with an ACL may let the user through whatever its mode says: the kernel decides then.
    if (st?.isDirectory() && !permits(st, who, 1) && !hasAccessAcl(d)) return d;
  }
  return null;
}

/** A file's text, if it is a regular file of at most `limit` bytes that `reader` may read; throws with the reason. */
export function readRegularFile(path: string, opts: { limit?: number; reader?: Reader } = {}): string {
  const limit = opts.limit ?? BOUNDS.fileSize;
  // Before the file is opened (as root): what the reader could not reach is said to be closed
  // to them, whether it exists or not, and none of it is read.
  const closed = opts.reader ? closedOnTheWay(path, opts.reader) : null;
  if (closed) throw new Error(`cannot read ${path}: permission denied (uid ${opts.reader!.uid} cannot enter ${closed})`);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal must not become ours.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new Error(`cannot read ${path}: ${why}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`cannot read ${path}: ${kindOf(st)}, not a regular file`);
    if (opts.reader && !permits(st, opts.reader, 4)) throw new Error(`cannot read ${path}: permission denied (uid ${opts.reader.uid})`);
    if (st.size > limit) throw new Error(`cannot read ${path}: ${formatSize(st.size)} is over the ${formatSize(limit)} limit for this file`);
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    // Read until EOF; a file growing past the limit while read is refused too.
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw new Error(`cannot read ${path}: over the ${formatSize(limit)} limit for this file`);
      if (n === buf.length) break;
    }
    const raw = buf.subarray(0, n);
    const bad = notUtf8(raw);
    if (bad) throw new Error(`${path}:${bad.line}:${bad.col}: not valid UTF-8 (byte 0x${bad.byte.toString(16).padStart(2, '0')}): ${RECODE}`);
    return raw.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** What a file that is not a regular one is, for an error: "a directory", "a FIFO"... */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}
