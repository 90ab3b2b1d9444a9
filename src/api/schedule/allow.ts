// at.allow / at.deny and cron.allow / cron.deny, read as at and cron read them, on the system
// daemon (a daemon of one's own serves only its owner: nothing to allow). The files are in the
// system's /etc, or APPINIT_SYSTEM_HOME/etc.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../os/proc/index.js';
import { ApiError } from '../errors.js';
import type { ApiContext, ApiRequest } from '../routes.js';

// One user name a line (surrounding blanks ignored, as are empty lines and # comments);
// null when the file does not exist. A file that exists but cannot be read allows nobody.
function names(path: string): string[] | null {
  try {
    return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : [];
  }
}

/**
 * Whether a user may use at (kind 'at': at, atq, atrm, at -c) or crontab ('cron'), by the files
 * in etc: X.allow, when it exists, lists who may; else X.deny lists who may not; with neither,
 * at allows only root (at's rule) and cron everyone (Debian's). Root may always.
 */
export function mayUse(etc: string, kind: 'at' | 'cron', uid: number): boolean {
  if (uid === 0) return true;
  const user = lookupUser(uid)?.name;
  if (!user) return false;
  const allow = names(join(etc, `${kind}.allow`));
  if (allow) return allow.includes(user);
  const deny = names(join(etc, `${kind}.deny`));
  if (deny) return !deny.includes(user);
  return kind === 'cron';
}

/** Throws `forbidden` with at's or crontab's own words when the caller may not use it (system daemon only). */
export function checkAllowed(ctx: ApiContext, req: ApiRequest, kind: 'at' | 'cron'): void {
  const etc = ctx.system?.etc;
  if (etc == null || mayUse(etc, kind, req.peer.uid)) return;
  const who = lookupUser(req.peer.uid)?.name ?? String(req.peer.uid);
  throw new ApiError('forbidden', kind === 'at'
    ? `You do not have permission to use at. (${who} is not allowed by ${etc}/at.allow or at.deny)`
    : `You (${who}) are not allowed to use this program (crontab) (see ${etc}/cron.allow and cron.deny)`);
}
