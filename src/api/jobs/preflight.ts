// What `run` checks before it creates a job, so that a command that cannot start fails at once
// with the reason and the shell's exit code, instead of a job that exits 127 without a word.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { lookupUser, type PasswdEntry } from '../../os/proc/index.js';
import { ApiError } from '../errors.js';

/** The user a job runs as: null for the daemon's own; throws `no such user: NAME` (code no_such_user). */
export function runUser(name: string | null | undefined): PasswdEntry | null {
  if (name == null) return null;
  const u = lookupUser(name);
  if (!u) throw new ApiError(400, 'no_such_user', `no such user: ${name}`);
  return u;
}

// Whether a user may search every directory on the way to dir, from the mode bits. It only
// refuses when no class could grant it (supplementary groups and ACLs are not read).
function maySearch(dir: string, u: PasswdEntry): boolean {
  if (u.uid === 0) return true;
  const parts = dir.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const p = '/' + parts.slice(0, i).join('/');
    let st;
    try { st = statSync(p); } catch { return true; } // reported as missing elsewhere
    const bit = st.uid === u.uid ? 0o100 : st.gid === u.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0 && !(st.uid !== u.uid && (st.mode & 0o010) !== 0)) return false;
  }
  return true;
}

/** Checks the working directory exists, is a directory, and (as far as the mode bits tell) the
 *  job's user may enter it (code bad_cwd, worded as `cd` words it). */
export function checkCwd(dir: string, u: PasswdEntry | null = null): void {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError(400, 'bad_cwd', `cwd: ${dir}: ${code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (err as Error).message}`);
  }
  if (!st.isDirectory()) throw new ApiError(400, 'bad_cwd', `cwd: ${dir}: Not a directory`);
  if (u && !maySearch(dir, u)) throw new ApiError(400, 'bad_cwd', `cwd: ${dir}: Permission denied (for ${u.name})`);
}

/**
 * Finds argv0 as the shell would (a name with a slash as a path from cwd, else each PATH entry);
 * throws `NAME: command not found` (code command_not_found, exit 127) or `NAME: Permission denied`
 * (code not_executable, exit 126).
 */
export function checkCommand(argv0: string, path: string | undefined, cwd: string): string {
  const executable = (p: string): 'ok' | 'noexec' | 'missing' => {
    try {
      if (!statSync(p).isFile()) return 'noexec';
      accessSync(p, constants.X_OK);
      return 'ok';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'noexec';
    }
  };
  if (argv0.includes('/')) {
    const p = isAbsolute(argv0) ? argv0 : join(cwd, argv0);
    const r = executable(p);
    if (r === 'missing') throw new ApiError(404, 'command_not_found', `${argv0}: No such file or directory`);
    if (r === 'noexec') throw new ApiError(403, 'not_executable', `${argv0}: Permission denied`);
    return p;
  }
  let denied = false;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = join(dir || cwd, argv0);
    const r = executable(p);
    if (r === 'ok') return p;
    if (r === 'noexec' && statSafe(p)) denied = true;
  }
  if (denied) throw new ApiError(403, 'not_executable', `${argv0}: Permission denied`);
  throw new ApiError(404, 'command_not_found', `${argv0}: command not found`);
}

function statSafe(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
