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
