// The daemon's own log is its stdout and stderr (what autostart opened): to rotate it, or to take
// up a file logrotate has moved away, both descriptors are pointed at the path again (dup2), so
// everything written to them — lines, a stack — goes to the new file.
import koffi from 'koffi';
import { closeSync, constants, openSync } from 'node:fs';

let dup2: ((from: number, to: number) => number) | null = null;

/** Opens path (appending, created 0600, never through a link) as the process's stdout and stderr. */
export function reopenStdio(path: string): void {
  dup2 ??= koffi.load('libc.so.6').func('int dup2(int, int)') as (from: number, to: number) => number;
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) throw new Error(`dup2 onto stdout/stderr failed for ${path}`);
  } finally {
    closeSync(fd);
  }
}
