// Whose jobs a request makes: on a daemon serving several users (the system daemon), a job a user
// starts runs as that user, never as the daemon's own (root) user, and a control file a user
// loads may name only that user in `user:` and only that user's groups.
import type { ConfigIssue, Program } from '../config/program.js';
import { groupsOf, lookupGroup } from '../os/groups.js';
import { lookupUser } from '../os/proc/index.js';
import { hardLimits } from '../os/peer-limits.js';
import { DAEMON_UID, type ApiRequest } from './routes.js';

/** The user a caller's job runs as when it names none: null (the daemon's own) for the daemon's
 *  owner and on a daemon that is not root's, else the caller (by name, or uid when passwd has none). */
export function callerRunAs(req: ApiRequest): string | null {
  const uid = req.peer.uid;
  // A daemon that is not root can run jobs only as itself (root reaching someone's own daemon included).
  if (uid === DAEMON_UID || DAEMON_UID !== 0) return null;
  return lookupUser(uid)?.name ?? String(uid);
}

/**
 * Makes a caller's programs theirs: a program without `user:` runs as the caller (unless the
 * caller is the daemon's owner); one naming another user, or a group the caller is not in, is
 * an issue at its place in the file (root may name anyone). Returns the programs and the issues.
 */
export function ownPrograms(programs: Program[], req: ApiRequest): { programs: Program[]; issues: ConfigIssue[] } {
  const uid = req.peer.uid;
  const issues: ConfigIssue[] = [];
  // The daemon's owner and root: as in a daemon of one's own (checkRunnable says what cannot run).
  if (uid === DAEMON_UID || uid === 0) return { programs, issues };
  const me = lookupUser(uid);
  const myName = me?.name ?? String(uid);
  const limits = hardLimits(req.peer.pid);
  const out = programs.map((p) => {
    const at = { file: p.source.file, line: p.source.line, col: p.source.col };
    let user = p.user;
    if (user == null) user = callerRunAs(req);
    else if (lookupUser(user)?.uid !== uid) {
      issues.push({ ...at, path: `programs.${p.name}.user`, message: `a control file loaded by ${myName} may only name ${myName} in user:, got ${JSON.stringify(user)}` });
    }
    if (p.unixGroup != null) {
      const g = lookupGroup(p.unixGroup);
      const mine = me ? groupsOf(me.name, me.gid) : [req.peer.gid];
      if (!g || !mine.includes(g.gid)) issues.push({ ...at, path: `programs.${p.name}.unix_group`, message: `${myName} is not a member of group ${JSON.stringify(p.unixGroup)}: a control file may only name its user's groups` });
    }
    // rlimits are set by the root helper before it becomes the user: no higher than the caller's own hard limits.
    const over = Object.entries(p.rlimits ?? {}).filter(([n, l]) => {
      const cap = limits == null ? 0 : limits[n];
      if (cap === undefined || cap === null) return false;
      return [l.soft, l.hard].some((v) => v == null || v > cap);
    });
    for (const [n] of over) {
      issues.push({ ...at, path: `programs.${p.name}.rlimits.${n}`, message: limits == null ? 'your limits could not be read: rlimits are refused' : `above your own hard limit (${limits[n]}): a user may only lower limits, as with ulimit` });
    }
    return user === p.user ? p : { ...p, user };
  });
  return { programs: out, issues };
}
