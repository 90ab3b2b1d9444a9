// Named pipes (FIFOs) for `fifos:` in a control file: made with mkfifo(3) through libc, since
// Node has no mkfifo. Only opening one can block, and that is left to the supervise helper.
import koffi from 'koffi';
import { chmodSync, chownSync, lstatSync, unlinkSync } from 'node:fs';

let mkfifo: ((path: string, mode: number) => number) | null = null;
let errnoOf: (() => number) | null = null;

/** Makes a FIFO at path with exactly mode (umask aside), owned by uid:gid when given. Returns
 *  'made', or 'existed' when a FIFO is there already (its mode and owner are set again);
 *  throws with the reason when the path is something else or cannot be made. */
export function makeFifo(path: string, mode: number, owner?: { uid: number; gid: number }): 'made' | 'existed' {
  let existed = false;
  try {
    const st = lstatSync(path);
    if (!st.isFIFO()) throw new Error(`${path} exists and is not a FIFO`);
    existed = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (!existed) {
    const libc = koffi.load('libc.so.6');
    mkfifo ??= libc.func('int mkfifo(const char *, uint32_t)') as (p: string, m: number) => number;
    errnoOf ??= (() => { const loc = libc.func('int *__errno_location()'); return () => koffi.decode(loc(), 'int') as number; })();
    if (mkfifo(path, mode) !== 0) {
      const code = errnoOf();
      throw new Error(`cannot make the FIFO ${path}: ${code === 2 ? 'its directory does not exist' : code === 13 ? 'permission denied' : `errno ${code}`}`);
    }
  }
  chmodSync(path, mode);
  if (owner) chownSync(path, owner.uid, owner.gid);
  return existed ? 'existed' : 'made';
}

/** Removes the FIFO at path if a FIFO is still there (never a file that replaced it); with
 *  `owner`, only when it is still that user's: a user who swapped a directory on the way for a
 *  symlink had root's daemon remove root's own FIFO at the other end. */
export function removeFifo(path: string, owner?: number): void {
  try {
    const st = lstatSync(path);
    if (st.isFIFO() && (owner == null || st.uid === owner)) unlinkSync(path);
  } catch { /* gone already */ }
}
