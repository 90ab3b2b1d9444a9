// Differential test of resolveAt against Debian's at (3.2.x): each spec is queued with
// `echo true | TZ=... at -v SPEC`, the job's time read back with `TZ=UTC atq` (exact even in
// a DST fold, where the local time printed by -v is ambiguous), and the job removed with atrm.
// at queues a real job: it needs a writable /var/spool/cron/atjobs (root, or at's setuid bit);
// atd need not run. With faketime installed and running as root, a second test replays fixed
// dates across DST changes with a non-setuid copy of at (LD_PRELOAD is ignored for setuid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoWithOffset } from '../../src/schedule/format.js';
import { parsePosixTime, PosixTimeError } from '../../src/schedule/posix-time.js';
import { atOutcome } from '../unit/schedule/at-outcome.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const AT = which('at');
const FAKETIME = which('faketime');

/** What at made of spec: an ISO time in tz, "past" or "garbled". */
function askAt(spec: string, tz: string, prefix: string[] = [], atPath = 'at'): string {
  const argv = [...prefix, atPath, '-v', ...spec.split(' ').filter(Boolean)];
  const r = spawnSync(argv[0], argv.slice(1), { input: 'true\n', encoding: 'utf8', env: { ...process.env, TZ: tz } });
  const out = `${r.stdout}${r.stderr}`;
  const job = /job (\d+) at/.exec(out)?.[1];
  if (!job) {
    if (/refusing to create job destined in the past/.test(out)) return 'past';
    if (/Garbled time/.test(out)) return 'garbled';
    throw new Error(`at ${spec}: unexpected output: ${out}`);
  }
  return queuedTime(job, tz);
}

/** The time atq gives job (read in UTC: exact even in a DST fold), in tz; the job is removed. */
function queuedTime(job: string, tz: string): string {
  try {
    const q = spawnSync('atq', { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).stdout;
    const line = q.split('\n').find((l) => l.split('\t')[0] === job);
    const m = line && /\t\w+ (\w+) +(\d+) (\d+):(\d+):(\d+) (\d+)/.exec(line);
    if (!m) throw new Error(`atq has no job ${job}: ${q}`);
    const t = Date.UTC(+m[6], MONTHS.indexOf(m[1]), +m[2], +m[3], +m[4], +m[5]);
    return isoWithOffset(new Date(t), tz);
  } finally {
    spawnSync('atrm', [job]);
  }
}


const SPECS = [
  'now', 'NOW', 'noon', 'midnight', 'teatime', 'now + 1 minute', 'now + 5 min', 'now + 2 hours', 'now + 90 minutes',
  'now + 1 day', 'now + 3 days', 'now + 1 week', 'now + 2 weeks', 'now + 1 month', 'now + 13 months', 'now + 1 year',
  'next minute', 'next day', 'next week', 'next month', 'next year', 'tomorrow', 'today', 'teatime tomorrow',
  'noon tomorrow', '10:00', '23:59', '00:00', '0815', '1730', '4pm', '4 PM', '11.15 AM', '11h15', '12:30 am', '10:60',
  '24:00', 'sunday', 'mon', 'Friday', 'next tuesday', 'noon sat', 'jan 1', 'dec 31', 'feb 29', 'feb 30', 'jul 4 2030',
  '10am jul 4 2030', '11 am may 20', '12/25/30', '25.12.2030', '2030-12-25', '122530', '12252030', 'nov 22, 2031',
  '10:00 utc', '3 pm utc tomorrow', 'midnight + 90 minutes', 'noon + 1 day', 'jan 31 + 1 month', 'mar 31 2015',
  'now - 1 minute', 'now + 2147483648 minutes', 'foo', '25:00', 'now + 1.5 hours', 'tomorrow teatime', 'fri 10:00',
];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'];

function minute(d: Date): number {
  return Math.floor(d.getTime() / 60000);
}

test(`resolveAt agrees with Debian's at on ${SPECS.length} specs in ${ZONES.length} zones, now`, { skip: AT ? false : 'at is not installed (apt-get install at)' }, (t) => {
  // One probe first: without a writable spool at refuses everything.
  const probe = spawnSync('at', ['-v', 'now + 1 year'], { input: 'true\n', encoding: 'utf8' });
  const job = /job (\d+) at/.exec(`${probe.stdout}${probe.stderr}`)?.[1];
  if (!job) return t.skip(`at cannot queue jobs here: ${probe.stderr.trim()}`);
  spawnSync('atrm', [job]);
  const diffs: string[] = [];
  for (const tz of ZONES) {
    for (const spec of SPECS) {
      // at reads the clock itself: retry once if the minute turned while it ran.
      for (let attempt = 0; ; attempt++) {
        const before = new Date();
        const theirs = askAt(spec, tz);
        const after = new Date();
        if (minute(before) !== minute(after) && attempt === 0) continue;
        const mine = atOutcome(spec, before, tz);
        if (mine !== theirs) diffs.push(`TZ=${tz} at ${JSON.stringify(spec)} from ${before.toISOString()}: at ${theirs}, ours ${mine}`);
        break;
      }
    }
  }
  assert.deepEqual(diffs, []);
});

// Fixed dates around DST changes: [TZ, faketime's local "from", spec].
const FIXED: [string, string, string][] = [
  ['America/New_York', '2026-03-07 10:00:00', 'now + 24 hours'],
  ['America/New_York', '2026-03-07 10:30:00', '2:30 tomorrow'],
  ['America/New_York', '2026-03-07 10:30:00', '2:30 mar 8'],
  ['America/New_York', '2026-03-08 01:30:00', 'now + 1 hour'],
  ['America/New_York', '2026-03-08 01:45:00', 'now + 30 minutes'],
  ['America/New_York', '2026-03-07 12:00:00', '2:30 utc tomorrow'],
  ['America/New_York', '2026-10-31 12:00:00', '1:30 nov 1'],
  ['America/New_York', '2026-10-31 01:30:00', 'now + 24 hours'],
  ['America/New_York', '2026-11-01 00:30:00', 'now + 2 hours'],
  ['America/New_York', '2026-11-01 00:30:00', 'now + 90 minutes'],
  ['America/New_York', '2026-10-31 03:00:00', '1:30 + 1 minute'],
  ['America/New_York', '2026-10-31 17:00:00', '16:00 utc'],
  ['Europe/Berlin', '2026-03-28 10:00:00', 'now + 24 hours'],
  ['Europe/Berlin', '2026-03-28 12:00:00', '2:30 tomorrow'],
  ['Europe/Berlin', '2026-03-29 01:59:00', 'now + 1 minute'],
  ['Europe/Berlin', '2026-10-24 12:00:00', '2:30 oct 25'],
  ['Europe/Berlin', '2026-11-22 12:00:00', 'mar 27 + 1 day'],
  ['Europe/Berlin', '2026-07-22 10:00:00', '10:00 utc tomorrow'],
  ['Australia/Lord_Howe', '2026-10-03 12:00:00', 'now + 1 day'],
  ['Australia/Sydney', '2026-04-04 12:00:00', '2:30 tomorrow'],
  ['UTC', '2026-11-22 10:00:30', 'sunday'],
  ['UTC', '2026-11-22 10:00:30', '9:00 + 720 hours'],
];

const fixedSkip = !AT ? 'at is not installed' : !FAKETIME ? 'faketime is not installed (apt-get install faketime)' : process.getuid?.() !== 0 ? 'needs root: a non-setuid copy of at must write the spool' : false;

test(`resolveAt agrees with Debian's at on ${FIXED.length} fixed dates across DST changes (faketime)`, { skip: fixedSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-at-'));
  try {
    const copy = join(dir, 'at');
    copyFileSync(AT!, copy);
    chmodSync(copy, 0o755);
    const diffs: string[] = [];
    for (const [tz, fake, spec] of FIXED) {
      const epoch = spawnSync(FAKETIME!, [fake, 'date', '+%s'], { encoding: 'utf8', env: { ...process.env, TZ: tz } }).stdout.trim();
      const from = new Date(Number(epoch) * 1000);
      const theirs = askAt(spec, tz, [FAKETIME!, fake], copy);
      const mine = atOutcome(spec, from, tz);
      if (mine !== theirs) diffs.push(`TZ=${tz} faketime '${fake}' at ${JSON.stringify(spec)}: at ${theirs}, ours ${mine}`);
    }
    assert.deepEqual(diffs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// at -t: POSIX's [[CC]YY]MMDDhhmm[.SS], in the zone, to the minute, past times taken (the job
// runs at once). Not 69MMDD...: 1969 is before the epoch, and Debian's at then queues for 10136.
const POSIX = ['12251030', '2612251030.45', '200001010000', '9912311030', '6801010000', '7001011200', '2412310000',
  '13011030', '12311030.60', '02301030', '02291200', '2802291200', '2702291200', '1231103', '12311030.5', '0000000000'];

test(`parsePosixTime agrees with Debian's at -t on ${POSIX.length} times in ${ZONES.length} zones`, { skip: AT ? false : 'at is not installed (apt-get install at)' }, (t) => {
  const probe = spawnSync('at', ['-t', '203001010000'], { input: 'true\n', encoding: 'utf8' });
  const job = /job (\d+) at/.exec(`${probe.stdout}${probe.stderr}`)?.[1];
  if (!job) return t.skip(`at cannot queue jobs here: ${probe.stderr.trim()}`);
  spawnSync('atrm', [job]);
  const diffs: string[] = [];
  for (const tz of ZONES) {
    for (const text of POSIX) {
      const r = spawnSync('at', ['-t', text], { input: 'true\n', encoding: 'utf8', env: { ...process.env, TZ: tz } });
      const out = `${r.stdout}${r.stderr}`;
      const id = /job (\d+) at/.exec(out)?.[1];
      const theirs = id ? queuedTime(id, tz) : /invalid date format/.test(out) ? 'invalid' : `unexpected: ${out}`;
      let mine: string;
      try {
        mine = isoWithOffset(parsePosixTime(text, new Date(), tz), tz);
      } catch (e) {
        mine = e instanceof PosixTimeError ? 'invalid' : String(e);
      }
      if (mine !== theirs) diffs.push(`TZ=${tz} at -t ${text}: at ${theirs}, ours ${mine}`);
    }
  }
  assert.deepEqual(diffs, []);
});
