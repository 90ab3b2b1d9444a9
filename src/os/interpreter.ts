// A script's #! interpreter, to name it when exec fails: execve says ENOENT both for a missing
// command and for a script whose interpreter is missing, and EACCES for a script whose
// interpreter may not be run; "command not found" for a file that is there misleads.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { permBits, type Credentials } from './access.js';

// The kernel reads at most this much of a #! line (BINPRM_BUF_SIZE).
const LINE_MAX = 256;

/** The file execvpe runs for argv0: a name with a slash from cwd, else the first regular file
 *  of that name in PATH; null when there is none. */
export function commandFile(argv0: string, cwd: string, path: string | undefined): string | null {
  const isFile = (p: string) => {
    try { return statSync(p).isFile(); } catch { return false; }
  };
  if (argv0.includes('/')) {
    const p = isAbsolute(argv0) ? argv0 : join(cwd, argv0);
    return isFile(p) ? p : null;
  }
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const d = dir || '.';
    const p = join(isAbsolute(d) ? d : join(cwd, d), argv0);
    if (isFile(p)) return p;
  }
  return null;
}

/** A script's #! line as the kernel takes it: the interpreter (up to a blank or the line's end: a
 *  CR of a DOS line ending is part of it) and, if any, the rest as one argument; null when the
 *  file cannot be read or has none. */
export function shebang(file: string): string[] | null {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return null; }
  try {
    const buf = Buffer.alloc(LINE_MAX);
    const n = readSync(fd, buf, 0, LINE_MAX, 0);
    if (n < 3 || buf[0] !== 0x23 /* # */ || buf[1] !== 0x21 /* ! */) return null;
    const line = buf.subarray(2, n).toString('latin1').split('\n')[0];
    const m = /^[ \t]*([^ \t]+)(?:[ \t]+(.*?))?[ \t]*$/.exec(line);
    return m ? [m[1], ...(m[2] ? [m[2]] : [])] : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The interpreter a script's #! line names; null when the file cannot be read or has none. */
export function scriptInterpreter(file: string): string | null {
  return shebang(file)?.[0] ?? null;
}

/** Whether this process may execute a file (the daemon's view: a job run as another user may differ). */
export function mayExecute(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A path as a terminal should show it: control characters as ^X (the CR of `#!/bin/sh\r`). */
export function shownPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\x7f' ? '^?' : `^${String.fromCharCode(c.charCodeAt(0) + 64)}`));
}

/** Whether a user may read a file, every directory on its way searched, by the mode bits (as the
 *  kernel checks them; an ACL is not read: a file someone is let into only by one is not read for
 *  them). Root's daemon reads a #! line for a job's user only when that user could have. */
export function readableBy(file: string, who: Credentials): boolean {
  if (who.uid === 0) return true;
  try {
    const abs = resolve(file);
    for (let dir = dirname(abs); ; dir = dirname(dir)) {
      const d = statSync(dir);
      if (!(permBits(d.mode, d.uid, d.gid, who) & 1)) return false;
      if (dir === dirname(dir)) break;
    }
    const f = statSync(abs);
    return (permBits(f.mode, f.uid, f.gid, who) & 4) !== 0;
  } catch {
    return false;
  }
}
