// On a daemon serving several users a job's name is also its log directory (logs/NAME): a name
// another user's program or job has, or whose log files are another user's (a finished `run` or
// `at` job forgotten since), is theirs. Reused, its files were given to the new job's user, who
// then read (and could empty) the other user's output.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiContext } from './routes.js';

/**
 * True when `name` belongs to someone else than the caller `uid` whose job would run as
 * `runAsUid`: a job or program of that name is another owner's, or its log files belong to
 * another user than the one the new job runs as. Only the system daemon has other users.
 */
export function nameOfAnother(ctx: ApiContext, name: string, uid: number, runAsUid: number): boolean {
  if (!ctx.system) return false;
  for (const j of ctx.sup.jobs.values()) if (j.spec.name === name) return j.ownerUid !== uid;
  for (const f of ['out.log', 'err.log']) {
    try {
      return lstatSync(join(ctx.spawnCtx.logsDir, name, f)).uid !== runAsUid;
    } catch { /* not there: the next, or nobody's */ }
  }
  return false;
}

/** A job name for a command not named by its caller: the command's own, or, when that is another
 *  user's, the command's with the caller's user after `@` (`sh@alice`), then numbered. */
export function freeName(ctx: ApiContext, base: string, uid: number, runAsUid: number, who: string): string {
  if (!nameOfAnother(ctx, base, uid, runAsUid)) return base;
  const mine = `${base}@${who}`.replace(/[^A-Za-z0-9_.@+-]/g, '_').slice(0, 64);
  for (let i = 1; ; i++) {
    const n = i === 1 ? mine : `${mine.slice(0, 60)}-${i}`;
    if (!nameOfAnother(ctx, n, uid, runAsUid)) return n;
  }
}
