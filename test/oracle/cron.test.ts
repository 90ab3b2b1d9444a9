// Differential test of parseCrontab's accept/refuse decisions against Debian's `crontab -n`
// (a dry run that only checks syntax; package cron). Debian's cron is Vixie cron 3.0 with
// patches, not cronie, and the two part ways on purpose in a few places, listed in DIFFERENT
// with the reason; every other line must get the same verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrontabError, parseCrontab } from '../../src/schedule/crontab.js';

const SAME = [
  '*/15 * * * * x', '10-50/20 * * * * x', '1-5/2,7 * * * * x', '0-4,8-12 * * * * x', '05 * * * * x',
  '*/60 * * * * x', '0-59/60 * * * * x', '0 0 * * MON x', '0 0 * * MoN x', '0 0 * * mon-fri x', '0 0 * jan-mar * x',
  '0 0 * JAN,Mar * x', '0 0 * jan-dec/2 * x', '0 0 * * 7 x', '0 0 * * 0-7 x', '0 0 * * 5-7 x', '0 0 * * */2 x',
  '0 0 * * 1,mon x', '0 0 29 2 * x', '0 0 30 2 * x', '0\t0 * * 1 x', '@reboot x', '@yearly x', '@annually x',
  '@monthly x', '@weekly x', '@daily x', '@midnight x', '@hourly x', '@daily\tx', '0 0 * * 1 %x',
  'MAILTO=paul', 'SHELL = /bin/sh', 'X="a b"',
  '5/10 * * * * x', '*/0 * * * * x', '0-59/0 * * * * x', '@Daily x', '@DAILY x', '@every x', '@ x',
  '0 0 * * Monday x', '0 0 * * mo x', '0 0 * * mon/2 x', '* * * * 1/2 x', '*/mon * * * * x', '60 * * * * x',
  '0 24 * * * x', '0 0 0 * * x', '0 0 32 * * x', '0 0 * 0 * x', '0 0 * 13 * x', '0 0 * * 8 x', '* * * * x',
  '1,2,,3 * * * * x', '1, * * * * x', '- * * * * x', '0x5 * * * * x',
  // A command starting with "*" is "bad command" to Debian: the seed's six-field line among them.
  '15 14 1 * * * $HOME/bin/monthly', '* * * * * */5 x', '* * * * * *x', '* * * * * 5 x', '* * * * * \\* x',
];

// Lines where appinit differs from Debian's cron on purpose: [line, why].
const DIFFERENT: [string, string][] = [
  ['5-1 * * * * x', 'a backwards range runs never in Debian; cronie and appinit refuse it'],
  ['0 0 * * fri-mon x', 'a backwards range (5 to 1); refused as cronie does'],
  ['0 0 * * mon-sun x', 'sun is 0, so mon-sun goes backwards; write mon-7'],
  ['*/2/3 * * * * x', 'Debian ignores what follows the first step'],
  ['1-2-3 * * * * x', 'Debian ignores the third end of the range'],
  ['*-5 * * * * x', 'Debian reads "*" and ignores "-5"'],
  ['1 2 3 4 5', 'no command: Debian installs an entry that runs an empty command'],
  ['@daily', 'no command, as above'],
];

function debianAccepts(dir: string, line: string): boolean {
  const file = join(dir, 'crontab');
  writeFileSync(file, `${line}\n`);
  return spawnSync('crontab', ['-n', file], { encoding: 'utf8' }).status === 0;
}

function oursAccepts(line: string): boolean {
  try {
    parseCrontab(`${line}\n`, 'crontab');
    return true;
  } catch (e) {
    if (e instanceof CrontabError) return false;
    throw e;
  }
}

const probe = spawnSync('crontab', ['-n', '/dev/null'], { encoding: 'utf8' });
const skip = probe.error ? 'crontab is not installed (apt-get install cron)' : /usage/i.test(probe.stderr) ? 'this crontab has no -n (dry run); Debian cron has' : false;

test(`parseCrontab gives Debian's crontab -n verdict on ${SAME.length} lines, and differs on ${DIFFERENT.length} on purpose`, { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-cron-'));
  try {
    const diffs: string[] = [];
    for (const line of SAME) {
      const d = debianAccepts(dir, line);
      if (d !== oursAccepts(line)) diffs.push(`${JSON.stringify(line)}: Debian ${d ? 'accepts' : 'refuses'}, appinit does not`);
    }
    for (const [line, why] of DIFFERENT) {
      if (debianAccepts(dir, line) === oursAccepts(line)) diffs.push(`${JSON.stringify(line)}: expected to differ (${why}) but both agree`);
    }
    assert.deepEqual(diffs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
