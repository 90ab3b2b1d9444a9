// Whether an APPINIT_HOME may be trusted, checked before the daemon (or the CLI starting it)
// writes anything there. A home another user made, or could write into, can hold a planted
// state.db (rows the daemon would run as root) or symlinks that redirect the daemon's writes.
// Once the home is ours and 0700 nobody else can add entries, so checking what is already
// there at start is enough.
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
// The module itself, not the proc index: every command checks its home and pays for what this loads.
import { userName } from '../os/proc/users.js';

/** Thrown when a home (or a file in it) cannot be trusted; the message says why and what to do. */
export class UntrustedHome extends Error {
  readonly code = 'untrusted_home';
}

/** The daemon's own files: never symlinks, always ours. Type: f regular file, s socket. */
export const OWN_FILES: [string, 'f' | 's'][] = [
  ['state.db', 'f'], ['state.db-wal', 'f'], ['state.db-shm', 'f'], ['state.db.backup', 'f'],
  ['daemon.log', 'f'], ['daemon.pid', 'f'], ['daemon.lock', 'f'], ['autostart.lock', 'f'],
  ['supervise.pid', 'f'], ['supervise.log', 'f'], ['appinit.sock', 's'], ['supervise.sock', 's'],
];

/** Directories whose whole tree the daemon writes into. */
export const OWN_DIRS = ['logs', 'spool'];

function who(uid: number): string {
  const n = userName(uid);
  return n ? `uid ${uid} (${n})` : `uid ${uid}`;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function typeOk(st: Stats, t: 'f' | 's'): boolean {
  return t === 'f' ? st.isFile() : st.isSocket();
}

// A tree the daemon writes into: nothing in it may belong to someone else; a symlink is allowed
// only when we made it (we could have written the target ourselves).
function checkTree(dir: string, uid: number, depth: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = lstatOrNull(p);
    if (!st) continue;
    if (st.uid !== uid) throw new UntrustedHome(`${p} belongs to ${who(st.uid)}, not to you (${who(uid)}): refusing to write into it; remove it or use another APPINIT_HOME`);
    if (st.isDirectory() && depth > 0) checkTree(p, uid, depth - 1);
  }
}

/**
 * Makes a home safe to use for this user's daemon, or throws UntrustedHome: creates it 0700;
 * a home of ours readable by others is set to 0700 (returned in `fixed`); one writable by
 * others, or owned by anyone else, is refused; the daemon's own files must be ours and not symlinks; the logs and spool
 * trees must hold nothing of another user's.
 */
export function secureHome(home: string, uid: number = process.geteuid?.() ?? 0): { fixed: string[] } {
  const fixed: string[] = [];
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const link = lstatSync(home);
  if (link.isSymbolicLink() && link.uid !== uid && link.uid !== 0) {
    throw new UntrustedHome(`APPINIT_HOME ${home} is a symbolic link made by ${who(link.uid)}: refusing to follow it; use a directory you own`);
  }
  const st = statSync(home);
  if (!st.isDirectory()) throw new UntrustedHome(`APPINIT_HOME ${home} is not a directory`);
  if (st.uid !== uid) {
    throw new UntrustedHome(`APPINIT_HOME ${home} belongs to ${who(st.uid)}, not to you (${who(uid)}): refusing to trust it; use a directory you own (mode 0700)`);
  }
  // Writable by others (a shared directory like /tmp, or one someone opened up): what is in it
  // may have been planted, and changing its mode could break whoever shares it. Refuse.
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    throw new UntrustedHome(`APPINIT_HOME ${home} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${mode}): refusing to trust it; use a directory only you can write (chmod 700 ${home} if it is yours alone)`);
  }
  // Only readable by others (0755): ours to tighten; logs and the store are nobody else's business.
  if ((st.mode & 0o077) !== 0) {
    chmodSync(home, 0o700);
    fixed.push(`${home}: mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} -> 0700`);
  }
  for (const [name, t] of OWN_FILES) {
    const p = join(home, name);
    const f = lstatOrNull(p);
    if (!f) continue;
    if (f.isSymbolicLink()) throw new UntrustedHome(`${p} is a symbolic link: refusing to follow it; remove it`);
    if (f.uid !== uid) throw new UntrustedHome(`${p} belongs to ${who(f.uid)}, not to you (${who(uid)}): refusing to use it; remove it or use another APPINIT_HOME`);
    if (!typeOk(f, t)) throw new UntrustedHome(`${p} is not a ${t === 'f' ? 'regular file' : 'socket'}: refusing to use it; remove it`);
  }
  for (const d of OWN_DIRS) {
    const p = join(home, d);
    const f = lstatOrNull(p);
    if (!f) continue;
    if (f.isSymbolicLink() || !f.isDirectory()) throw new UntrustedHome(`${p} is not a directory (or is a symbolic link): refusing to write into it; remove it`);
    if (f.uid !== uid) throw new UntrustedHome(`${p} belongs to ${who(f.uid)}, not to you (${who(uid)}): refusing to write into it; remove it or use another APPINIT_HOME`);
    checkTree(p, uid, 3);
  }
  return { fixed };
}

/**
 * For a client about to talk to a daemon: a home may be used when it belongs to this user or to
 * root (root's daemon may serve others), and its socket to the same owner. Throws UntrustedHome.
 */
export function checkClientHome(home: string, uid: number = process.geteuid?.() ?? 0): void {
  const st = (() => { try { return statSync(home); } catch { return null; } })();
  if (!st) return;
  if (st.uid !== uid && st.uid !== 0) {
    // Root is one of the two owners a client accepts: named once when the user is root.
    throw new UntrustedHome(`APPINIT_HOME ${home} belongs to ${who(st.uid)}, not to you (${who(uid)})${uid === 0 ? '' : ' or root'}: refusing to use it; use a directory you own`);
  }
  const sock = lstatOrNull(join(home, 'appinit.sock'));
  if (sock && sock.uid !== st.uid) {
    throw new UntrustedHome(`${join(home, 'appinit.sock')} belongs to ${who(sock.uid)}, not to the home's owner: refusing to talk to it; remove it`);
  }
}

/** For a client of the system daemon: its socket (when there) must be root's and not a symlink. Throws UntrustedHome. */
export function checkSystemSocket(sock: string): void {
  const st = lstatOrNull(sock);
  if (st && (st.uid !== 0 || !st.isSocket())) {
    throw new UntrustedHome(`${sock} ${st.isSocket() ? `belongs to ${who(st.uid)}, not to root` : 'is not a socket'}: refusing to talk to it as the system daemon`);
  }
}

/** The system daemon's directories, as api/paths.ts's SystemDirs names them. */
export interface SystemLayout {
  root: string | null;
  run: string;
  lib: string;
  spool: string;
  log: string;
}

// A directory of the system daemon: made if missing, root's, never a symlink, writable by nobody
// else; its mode set to `mode` (returned in fixed when it changed).
function rootDir(p: string, mode: number, fixed: string[]): void {
  mkdirSync(p, { recursive: true, mode });
  const st = lstatSync(p);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new UntrustedHome(`${p} is not a directory (or is a symbolic link): refusing to use it for the system daemon; remove it`);
  if (st.uid !== 0) throw new UntrustedHome(`${p} belongs to ${who(st.uid)}, not to root: refusing to use it for the system daemon`);
  if ((st.mode & 0o7777) !== mode) {
    chmodSync(p, mode);
    fixed.push(`${p}: mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')} -> ${mode.toString(8).padStart(4, '0')}`);
  }
}

// Users' files in a root directory: regular files (any owner) and root's directories, no symlinks.
function checkShared(dir: string, depth: number): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const p = join(dir, n);
    const st = lstatOrNull(p);
    if (!st) continue;
    if (st.isSymbolicLink()) throw new UntrustedHome(`${p} is a symbolic link: refusing to write where it points; remove it`);
    if (st.isDirectory()) {
      if (st.uid !== 0 || depth === 0) throw new UntrustedHome(`${p} is a directory of ${who(st.uid)} where only root's belong: refusing to write into it; remove it`);
      checkShared(p, depth - 1);
    } else if (!st.isFile()) throw new UntrustedHome(`${p} is not a regular file: refusing to use it; remove it`);
  }
}

/**
 * Makes the system daemon's directories safe, or throws UntrustedHome: all root's; the root
 * (APPINIT_SYSTEM_HOME) and run directories 0755 (users reach the socket), lib 0700 (the store,
 * as secureHome), spool 0711 (users open their own job files, nobody lists them), log 0755 with
 * only root's directories and regular files in it.
 */
export function secureSystem(dirs: SystemLayout): { fixed: string[] } {
  const fixed: string[] = [];
  if (dirs.root) rootDir(dirs.root, 0o755, fixed);
  rootDir(dirs.run, 0o755, fixed);
  fixed.push(...secureHome(dirs.lib, 0).fixed);
  rootDir(dirs.spool, 0o711, fixed);
  checkShared(dirs.spool, 0);
  rootDir(dirs.log, 0o755, fixed);
  checkShared(dirs.log, 2);
  return { fixed };
}
