// uid -> user name from /etc/passwd, cached. NSS sources (LDAP, sssd) are not consulted: ps
// would show those names, we show the uid number instead.
import { statSync } from 'node:fs';
import { readText } from './read-file.js';
import { parsePasswd } from './parse-system.js';

const PASSWD = '/etc/passwd';
let names = new Map<number, string>();
let loadedMtimeMs = -1;
let checkedAt = 0;

function refresh(): void {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(PASSWD).mtimeMs;
  } catch {
    return;
  }
  if (mtimeMs === loadedMtimeMs) return;
  names = parsePasswd(readText(PASSWD) ?? '');
  loadedMtimeMs = mtimeMs;
}

/** The user name for a uid, or undefined; /etc/passwd is re-read at most once a second when it changes. */
export function userName(uid: number): string | undefined {
  const now = Date.now();
  if (loadedMtimeMs < 0 || (!names.has(uid) && now - checkedAt > 1000)) {
    checkedAt = now;
    refresh();
  }
  return names.get(uid);
}
