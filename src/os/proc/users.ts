// Users from /etc/passwd, cached: re-read only when the file changed (a stat on a miss, so a
// user added a moment ago is found). NSS sources (LDAP, sssd) are not consulted: ps would show those
// names, we show the uid number instead.
import { statSync } from 'node:fs';
import { readText } from './read-file.js';
import { parsePasswdEntries, type PasswdEntry } from './parse-system.js';

const PASSWD = '/etc/passwd';
let byUid = new Map<number, PasswdEntry>();
let byName = new Map<string, PasswdEntry>();
let loadedMtimeMs = -1;

function refresh(): void {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(PASSWD).mtimeMs;
  } catch {
    return;
  }
  if (mtimeMs === loadedMtimeMs) return;
  const entries = parsePasswdEntries(readText(PASSWD) ?? '');
  byUid = new Map();
  byName = new Map();
  for (const u of entries) {
    if (!byUid.has(u.uid)) byUid.set(u.uid, u);
    if (!byName.has(u.name)) byName.set(u.name, u);
  }
  loadedMtimeMs = mtimeMs;
}

function find(key: string | number): PasswdEntry | undefined {
  const numeric = typeof key === 'number' || /^\d+$/.test(key);
  return byName.get(String(key)) ?? (numeric ? byUid.get(Number(key)) : undefined);
}

/** A user by name or numeric id (as a login name first, as `id` does), or null when unknown. */
export function lookupUser(nameOrId: string | number): PasswdEntry | null {
  let u = loadedMtimeMs < 0 ? undefined : find(nameOrId);
  if (!u) {
    refresh();
    u = find(nameOrId);
  }
  return u ?? null;
}

/** The uid a command line names, as ps, top and id take one: a login name first, else a number
 *  (a uid with no passwd entry is fine); null when it is neither. */
export function userId(nameOrId: string): number | null {
  return lookupUser(nameOrId)?.uid ?? (/^\d+$/.test(nameOrId) ? Number(nameOrId) : null);
}

/** The user name for a uid, or undefined. */
export function userName(uid: number): string | undefined {
  return lookupUser(uid)?.name;
}
