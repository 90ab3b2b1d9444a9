// Whose jobs a request makes: on a daemon serving several users (the system daemon), a job a user
// starts runs as that user, never as the daemon's own (root) user, and a control file a user
// loads may name only that user in `user:` and only that user's groups. Every setting of a control
// file that root's daemon acts on for whoever loads it (grants:, listen:, ipc:, resources:, needs:,
// web:) is checked here, in one place, against what the user could do themselves.
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { ControlDocument } from '../config/load.js';
import type { ConfigIssue, Program } from '../config/program.js';
import { placeOf } from '../config/places.js';
import { byKey, stat } from '../core/ipc/kernel.js';
import { records } from '../core/ipc/store.js';
import { createRefusal, ipcPermits, ownerOf, unprivilegedPortStart, type Credentials } from '../os/access.js';
import { groupsOf, lookupGroup } from '../os/groups.js';
import { lookupUser } from '../os/proc/index.js';
import { hardLimits } from '../os/peer-limits.js';
import { resourceNamed } from './resources/module.js';
import { nameOfAnother } from './name-owner.js';
import { DAEMON_UID, type ApiContext, type ApiRequest } from './routes.js';

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
  // Through the dashboard the peer is the daemon itself (no process of the user's to read): no raising at all.
  const limits = req.peer.pid === process.pid ? null : hardLimits(req.peer.pid);
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

/** True for the callers the system daemon trusts with its own rights: root and the daemon's owner. */
export function isPrivileged(req: ApiRequest): boolean {
  return req.peer.uid === 0 || req.peer.uid === DAEMON_UID;
}

/** The caller as the kernel would check them: uid, primary and supplementary groups. */
export function callerCredentials(req: ApiRequest): Credentials {
  const me = lookupUser(req.peer.uid);
  return { uid: req.peer.uid, gids: me ? groupsOf(me.name, me.gid) : [req.peer.gid] };
}

// Where a top-level key of a YAML or JSON control file is written (its own position), or null.
function topKeyAt(text: string, file: string, key: string): { file: string; line: number; col: number } | null {
  const lineCounter = new LineCounter();
  let doc;
  try { doc = parseDocument(text.replace(/\t/g, ' '), { lineCounter, prettyErrors: false }); } catch { return null; }
  if (!isMap(doc.contents)) return null;
  for (const item of doc.contents.items) {
    if (isScalar(item.key) && item.key.value === key) {
      const p = lineCounter.linePos(item.key.range?.[0] ?? 0);
      return { file, line: p.line, col: p.col };
    }
  }
  return null;
}

const mode4 = (m: number) => m.toString(8).padStart(4, '0');

/**
 * A whole control file made the caller's: ownPrograms, then what root's daemon would do for them
 * beyond that. A user (not root, not the daemon's owner) may not grant files (`grants:`, opened
 * with root's rights), bind a port below ip_unprivileged_port_start, a unix: socket where they
 * could not create a file, or a socket another user's program has; name another user in an ipc:
 * object, or an existing System V key they have no access to (ipc_perm); use an existing
 * resource they have no access to (resources:, needs:); set `web:`. Each is an issue at its place.
 * Every caller's ipc: objects are recorded as theirs (loader), and a name another user's is refused.
 */
export function ownDocument(ctx: ApiContext, req: ApiRequest, doc: ControlDocument, text: string, file: string): { doc: ControlDocument; issues: ConfigIssue[] } {
  const uid = req.peer.uid;
  const { programs, issues } = ownPrograms(doc.programs, req);
  // ipc: names are the daemon's (one table): another loader's name is theirs.
  const daemonUid = DAEMON_UID;
  const others = new Map(records(ctx.db).filter((r) => (r.spec.loader ?? daemonUid) !== uid).map((r) => [r.name, r]));
  for (const o of doc.ipc) {
    if (others.has(o.name)) issues.push({ ...(o.at ?? { file: '', line: 0, col: 0 }), path: `ipc.${o.name}`, message: `"${o.name}" is the name of another user's System V object on this daemon: rename this one` });
  }
  let ipc = doc.ipc.map((o) => ({ ...o, loader: uid }));
  if (isPrivileged(req)) {
    // A resource root's file declares that a user made first (a lock taken before root's up):
    // root's programs would wait on that user for as long as they like. Refused, not used.
    for (const d of doc.resources) {
      const r = resourceNamed(ctx, d.name);
      if (r && r.uid !== uid && r.uid !== 0) {
        issues.push({ ...d.at, path: `resources.${d.name}`, message: `${d.name} exists and is uid ${r.uid}'s (${lookupUser(r.uid)?.name ?? 'no such user'}): root's programs would wait on that user; remove it first (appinit ipcrm ${d.name}) or rename this one` });
      }
    }
    return { doc: { ...doc, programs, ipc }, issues };
  }

  const who = callerCredentials(req);
  const me = lookupUser(uid)?.name ?? String(uid);
  const lowest = unprivilegedPortStart();
  // Sockets other users' programs have: the helper shares a socket between programs listing the same address.
  // By protocol and port for tcp and udp: another spelling of the host (127.0.0.1, *, localhost) is the same port.
  const socketKey = (url: string) => /^(tcp|udp):\/\/.*:(\d+)$/.exec(url)?.slice(1, 3).join(':') ?? url;
  const taken = new Map<string, number>();
  for (const j of ctx.sup.jobs.values()) if (j.ownerUid !== uid) for (const l of j.spec.listen ?? []) taken.set(socketKey(l.url), j.ownerUid);
  // A name some job has is decided by the loader (another user's program is refused there).
  const jobNames = new Set([...ctx.sup.jobs.values()].map((j) => j.spec.name));
  // The parsed programs (not ownPrograms' copies) know where their settings were written.
  for (const p of doc.programs) {
    const at = (setting: string) => placeOf(p, setting);
    // Another user's finished run or at job left logs under this name: not this user's to take.
    if (!jobNames.has(p.name) && nameOfAnother(ctx, p.name, uid, uid)) {
      issues.push({ ...p.source, path: `programs.${p.name}`, message: `"${p.name}" names the logs of another user's job on this daemon (names are shared by every user, and name the log directory): rename this one` });
    }
    if ((p.grants ?? []).length) {
      issues.push({ ...at('grants'), path: `programs.${p.name}.grants`, message: 'only root may grant files on the system daemon (appinit open opens them with root\'s rights); your programs can open your own files themselves' });
    }
    for (const l of p.listen ?? []) {
      const where = { ...at('listen'), path: `programs.${p.name}.listen` };
      const port = /^(?:tcp|udp):\/\/.*:(\d+)$/.exec(l.url);
      if (port && Number(port[1]) < lowest) issues.push({ ...where, message: `${l.url}: ports below ${lowest} are root's (net.ipv4.ip_unprivileged_port_start)` });
      if (l.url.startsWith('unix:')) {
        const why = createRefusal(l.url.slice(5), who);
        if (why) issues.push({ ...where, message: `${l.url}: ${why}: a socket file goes only where you could create a file` });
      }
      if (taken.has(socketKey(l.url))) issues.push({ ...where, message: `${l.url} is a socket of another user's program on this daemon` });
    }
  }
  // FIFOs (`fifos:`, named by stdin/stdout/stderr: { fifo: NAME }; pipes, issue 12): root's daemon
  // makes them, then gives them to the programs' user: only where that user could make one, and
  // never one that exists and is someone else's.
  for (const p of doc.programs) {
    for (const stream of ['stdin', 'stdout', 'stderr'] as const) {
      const t = p[stream] as { kind: string; name?: string; path?: string };
      if (t.kind !== 'fifo' || !t.path) continue;
      const where = { ...placeOf(p, stream), path: `fifos.${t.name ?? stream}` };
      const owner = ownerOf(t.path);
      if (owner != null && owner !== uid) issues.push({ ...where, message: `${t.path} exists and is uid ${owner}'s: a FIFO of yours must be yours` });
      else if (owner == null) {
        const why = createRefusal(t.path, who);
        if (why) issues.push({ ...where, message: `${t.path}: ${why}: a FIFO goes only where you could create a file` });
      }
    }
  }
  ipc = ipc.map((o) => {
    const where = { ...(o.at ?? { file: '', line: 0, col: 0 }), path: `ipc.${o.name}` };
    if (o.user != null && lookupUser(o.user)?.uid !== uid) {
      issues.push({ ...where, message: `a control file loaded by ${me} may only name ${me} as an object's user, got ${JSON.stringify(o.user)}` });
    }
    if (o.key !== 0) {
      const id = byKey(o.kind, o.key);
      const f = id == null ? null : stat(o.kind, id);
      if (f && f.uid !== uid && !ipcPermits(o.mode, f.mode, f.uid, f.gid, who)) {
        issues.push({ ...where, message: `key 0x${(o.key >>> 0).toString(16).padStart(8, '0')} names an existing object of uid ${f.uid} (mode ${mode4(f.mode)}) you have no access to` });
      } else if (f && f.uid !== uid) {
        issues.push({ ...where, message: `key 0x${(o.key >>> 0).toString(16).padStart(8, '0')} names an existing object of uid ${f.uid}: a file of yours may name only your own objects` });
      }
    }
    return { ...o, user: me }; // made (IPC_SET) as the user who loads the file
  });
  const denied = new Set<string>();
  for (const d of doc.resources) {
    const r = resourceNamed(ctx, d.name);
    if (r && r.uid !== uid && !ipcPermits(0o600, r.mode, r.uid, r.gid, who)) {
      denied.add(d.name);
      issues.push({ ...d.at, path: `resources.${d.name}`, message: `${d.name} exists and is uid ${r.uid}'s (mode ${mode4(r.mode)}): you have no permission to use it` });
    }
  }
  for (const p of doc.programs) {
    for (const n of Object.keys(p.needs ?? {})) {
      if (denied.has(n)) issues.push({ ...placeOf(p, 'needs'), path: `programs.${p.name}.needs.${n}`, message: `${n}: permission denied (another user's resource)` });
    }
  }
  const web = topKeyAt(text, file, 'web');
  if (web) issues.push({ ...web, path: 'web', message: 'only the daemon\'s owner (root) decides where the dashboard listens: remove web: from this file' });
  return { doc: { ...doc, programs, ipc }, issues };
}
