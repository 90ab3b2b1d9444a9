// Giving freed memory back to the kernel. glibc's malloc keeps what a burst freed (V8's compiler
// zones, SQLite's and libuv's buffers) in its arenas, resident, until it is asked: malloc_trim(0)
// returns the free pages of every arena (madvise DONTNEED), not only the top of the main heap.
import koffi from 'koffi';

let trim: ((pad: number) => number) | null | undefined;

/** Returns the free pages of every malloc arena to the kernel; false where libc has no
 *  malloc_trim (not glibc) and nothing was done. */
export function trimMalloc(): boolean {
  if (trim === undefined) {
    try {
      trim = koffi.load('libc.so.6').func('int malloc_trim(size_t)') as (pad: number) => number;
    } catch {
      trim = null;
    }
  }
  if (!trim) return false;
  trim(0);
  return true;
}

const M_ARENA_MAX = -8;

/** Caps glibc's malloc arenas at n (mallopt M_ARENA_MAX; glibc's default is 8 per core). Each
 *  thread that mallocs otherwise gets an arena of its own, and keeps there what it freed; for the
 *  daemon, whose threads are V8's and libuv's helpers, 2 (the main thread's and one shared) saved
 *  ~1.2 MB of RSS idle with 50 programs. Effective for arenas created after the call: call it
 *  first. False where libc has no mallopt (not glibc). */
export function capArenas(n: number): boolean {
  try {
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int, int)') as (param: number, value: number) => number;
    return mallopt(M_ARENA_MAX, n) === 1;
  } catch {
    return false;
  }
}
