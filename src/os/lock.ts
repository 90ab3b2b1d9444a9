// An exclusive lock the kernel drops when the holder dies (flock), so a crashed daemon
// never leaves a stale lock behind.
import koffi from 'koffi';
import { closeSync, constants, openSync } from 'node:fs';

const LOCK_EX = 2;
const LOCK_NB = 4;
let flock: ((fd: number, op: number) => number) | null = null;

/** Takes the lock on path without waiting; returns the held fd, or null if another process holds it.
 *  The lock file is never followed through a symlink (O_NOFOLLOW: open fails with ELOOP). */
export function tryLock(path: string): number | null {
  flock ??= koffi.load('libc.so.6').func('int flock(int, int)') as (fd: number, op: number) => number;
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return null;
  }
  return fd;
}
