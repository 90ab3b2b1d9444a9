// /proc files of sampled processes kept open between ticks and re-read with one pread at offset
// 0. The kernel renders /proc/PID/stat, statm and task/TID/children afresh on every read from
// offset 0, so an open descriptor gives the figures of now; and it stays bound to the task it was
// opened for: once that process is reaped a read fails (ESRCH) even when another process has its
// pid by then, so a reused pid cannot be read through an old descriptor. The job sampler reads
// three such files per process every tick: open + read + close of each was 9 syscalls, most of
// the time spent in the open's path walk through /proc; kept open, 3 preads.
//
// Bounded: at most `limit` descriptors (the daemon passes a share of its RLIMIT_NOFILE); past it
// a file is opened, read and closed as before. Descriptors of files not read since the last
// sweep() (a process that ended, left its job or whose job was removed) are closed by it; the
// sampler sweeps after every tick. Node opens every file with O_CLOEXEC: no child inherits them.
import { closeSync, openSync, readSync } from 'node:fs';

/** What a read returns: the bytes are in `buf` [0, n) until the next read. */
export interface KeptRead {
  buf: Buffer;
  n: number;
}

/** A bounded set of /proc files kept open and re-read from offset 0. */
export class KeptFiles {
  private readonly fds = new Map<string, number>();
  private readonly used = new Set<string>();
  private buf = Buffer.allocUnsafe(4096);
  private readonly out: KeptRead = { buf: this.buf, n: 0 };

  /** limit: how many descriptors may be kept open at once (0: none, every read opens and closes). */
  constructor(readonly limit: number) {}

  /** How many descriptors are open now. */
  get size(): number {
    return this.fds.size;
  }

  /**
   * Reads the whole file; null when it is gone (the process ended: a kept descriptor of an ended
   * process is closed, and the path opened again once, since a new process may have the pid now).
   */
  read(path: string): KeptRead | null {
    if (this.limit > 0) this.used.add(path); // with no limit nothing is kept, nor swept
    // One path for a kept descriptor and a fresh one, so that the first tick (every file fresh)
    // leaves V8 the type feedback the later ones (every file kept) run on: a branch taken only
    // from the second tick on threw away the code optimized during the first.
    const kept = this.fds.get(path);
    let fd = kept === undefined ? this.open(path) : kept;
    let n = fd < 0 ? null : this.readAll(fd);
    if (n === null && kept !== undefined) {
      // The process ended: its pid may be another process's by now, opened again once.
      this.fds.delete(path);
      closeSync(kept);
      fd = this.open(path);
      n = fd < 0 ? null : this.readAll(fd);
    }
    if (n === null) {
      if (fd >= 0) {
        this.fds.delete(path);
        closeSync(fd);
      }
      return null;
    }
    if (this.fds.get(path) !== fd) closeSync(fd); // past the limit: read once, not kept
    return this.result(n);
  }

  // Opens path, keeping the descriptor when there is room; -1 when it is gone.
  private open(path: string): number {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return -1;
    }
    if (this.fds.size < this.limit) this.fds.set(path, fd);
    return fd;
  }

  /** Closes the descriptors of files not read since the last sweep. */
  sweep(): void {
    for (const [path, fd] of this.fds) {
      if (this.used.has(path)) continue;
      this.fds.delete(path);
      closeSync(fd);
    }
    this.used.clear();
  }

  /** Closes every descriptor. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.used.clear();
  }

  private result(n: number): KeptRead {
    this.out.buf = this.buf;
    this.out.n = n;
    return this.out;
  }

  // pread from 0 until a short read (one normally: the kernel renders a /proc file whole); null on
  // an error (ESRCH: the process was reaped).
  private readAll(fd: number): number | null {
    try {
      let n = readSync(fd, this.buf, 0, this.buf.length, 0);
      while (n === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, n);
        this.buf = bigger;
        const got = readSync(fd, this.buf, n, this.buf.length - n, n);
        if (got === 0) break;
        n += got;
      }
      return n;
    } catch {
      return null;
    }
  }
}
