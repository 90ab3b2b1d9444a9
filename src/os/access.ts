// What a user could do themselves, decided by root (the system daemon) before it does it for them:
// create a file in a directory (the kernel's path walk and may_create rules, by stat), bind a
// port (net.ipv4.ip_unprivileged_port_start), use a System V object (ipc_perm).
import koffi from 'koffi';
import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** A user as the kernel checks them: uid, and every group (primary and supplementary). */
export interface Credentials {
  uid: number;
  gids: number[];
}

let getxattr: ((path: string, name: string, value: null, size: number) => number) | null | undefined;

/**
 * True when path has a POSIX access ACL (setfacl): its mode bits alone do not say who may enter
 * (`setfacl -m u:www-data:x /root` lets www-data through a 0700 directory). False when it has
 * none or when that cannot be read (no libc getxattr): the mode bits then decide.
 */
export function hasAccessAcl(path: string): boolean {
  if (getxattr === undefined) {
    try {
      getxattr = koffi.load('libc.so.6').func('long getxattr(const char *, const char *, void *, size_t)') as unknown as (path: string, name: string, value: null, size: number) => number;
    } catch {
      getxattr = null;
    }
  }
  return getxattr != null && getxattr(path, 'system.posix_acl_access', null, 0) > 0;
}

/** The rwx bits (4, 2, 1 together) a user gets from a mode, as the kernel picks owner, group or other. */
export function permBits(mode: number, ownerUid: number, ownerGid: number, who: Credentials): number {
  if (who.uid === 0) return 7;
  if (who.uid === ownerUid) return (mode >> 6) & 7;
  if (who.gids.includes(ownerGid)) return (mode >> 3) & 7;
  return mode & 7;
}

/** ipc_perm: the access `flag`'s permission bits ask for (any of its three triads) is all granted. */
export function ipcPermits(flag: number, mode: number, ownerUid: number, ownerGid: number, who: Credentials): boolean {
  const requested = ((flag >> 6) | (flag >> 3) | flag) & 7;
  return (requested & ~permBits(mode, ownerUid, ownerGid, who) & 7) === 0;
}

/** The lowest port a user may bind (the kernel's ip_unprivileged_port_start; 1024 when unreadable). */
export function unprivilegedPortStart(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

/**
 * Why `who` could not create (or replace) the file at path themselves, or null when they could:
 * every directory on the way must be searchable, the last one writable; an existing entry in a
 * sticky directory (/tmp) must be theirs. Symbolic links on the way are followed, as the kernel does.
 */
export function createRefusal(path: string, who: Credentials): string | null {
  if (who.uid === 0) return null;
  let dir: string;
  try {
    dir = realpathSync(dirname(path));
  } catch (err) {
    return `its directory ${dirname(path)} cannot be reached (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  // Search (x) on every directory from / down to dir, as the kernel's path walk asks.
  let at: string = sep;
  for (const part of ['', ...dir.split(sep).filter(Boolean)]) {
    at = part ? join(at, part) : at;
    let st: Stats;
    try { st = statSync(at); } catch { return `${at} cannot be reached`; }
    if ((permBits(st.mode, st.uid, st.gid, who) & 1) === 0 && !hasAccessAcl(at)) return `you cannot enter ${at} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${st.uid})`;
  }
  const d = statSync(dir);
  if ((permBits(d.mode, d.uid, d.gid, who) & 3) !== 3 && !hasAccessAcl(dir)) {
    return `you cannot create files in ${dir} (mode ${(d.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${d.uid})`;
  }
  let old: Stats | null = null;
  try { old = lstatSync(join(dir, path.slice(path.lastIndexOf(sep) + 1))); } catch { /* none: created */ }
  // The sticky bit: only the entry's owner (or the directory's) may remove or replace it.
  if (old && (d.mode & 0o1000) !== 0 && old.uid !== who.uid && d.uid !== who.uid) return `${path} exists and belongs to uid ${old.uid} in a sticky directory`;
  return null;
}

/** The owner uid of what path names itself (a link is not followed), or null when nothing is there. */
export function ownerOf(path: string): number | null {
  try { return lstatSync(path).uid; } catch { return null; }
}
