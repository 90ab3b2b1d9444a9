// How long accounting records are kept. The kernel's own accounting file grows until logrotate
// (Debian's acct keeps a month of it); records in the store would grow without end too — a
// crash loop of 200 programs writes ~100,000 a minute, and every backup copies them all — so the
// daemon keeps the newest APPINIT_ACCT_MAX_RECORDS (default 200,000, about 28 MB of store) of
// at most APPINIT_ACCT_MAX_AGE (default 30d), and deletes older ones once a minute.
import { parseDuration } from '../../config/units.js';

/** The records kept by default: how many, and for how long (ms). */
export const ACCT_KEEP_DEFAULT = { max: 200_000, ageMs: 30 * 86_400_000 };

/** How often the oldest records beyond the limits are deleted (ms). */
export const ACCT_PRUNE_EVERY_MS = 60_000;

/** The limits from the daemon's environment; a value that is not one is named in `bad` and the default used. */
export function acctRetention(env: NodeJS.ProcessEnv): { max: number; ageMs: number; bad: string[] } {
  const out = { ...ACCT_KEEP_DEFAULT, bad: [] as string[] };
  const max = env.APPINIT_ACCT_MAX_RECORDS;
  if (max != null && max !== '') {
    if (/^\d+$/.test(max) && Number(max) >= 1) out.max = Number(max);
    else out.bad.push(`APPINIT_ACCT_MAX_RECORDS=${max}: expected a number of records (1 or more); keeping ${out.max}`);
  }
  const age = env.APPINIT_ACCT_MAX_AGE;
  if (age != null && age !== '') {
    try {
      const ms = parseDuration(age);
      if (ms <= 0) throw new Error('zero');
      out.ageMs = ms;
    } catch {
      out.bad.push(`APPINIT_ACCT_MAX_AGE=${age}: expected a duration like 30d or 12h; keeping 30d`);
    }
  }
  return out;
}
