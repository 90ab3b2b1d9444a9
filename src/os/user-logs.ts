// A system daemon's program logs: each program's directory is root's (0711: nobody lists it, no
// user can plant a link in it), each of its live files belongs to the job's user, mode 0600.
import { chmodSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';

/** Makes dir root's and 0711, and each file there the user's (created if missing, never through a link). */
export function giveLogFiles(dir: string, files: string[], uid: number, gid: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0) throw new Error(`${dir}: not a directory of root's: refusing to give its log files away`);
  if ((st.mode & 0o7777) !== 0o711) chmodSync(dir, 0o711);
  for (const f of files) {
    let fd: number;
    try {
      fd = openSync(f, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
    } catch {
      continue; // a link or something odd: the helper refuses it too (O_NOFOLLOW), and says so
    }
    try {
      const f2 = fstatSync(fd);
      if (!f2.isFile()) continue;
      if (f2.uid !== uid || f2.gid !== gid) fchownSync(fd, uid, gid);
      if ((f2.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
  }
}
