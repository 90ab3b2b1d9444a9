// `stat -t` prints the zone's abbreviation as vmstat does (strftime's %Z): read from the zone's
// TZif file. Compared with coreutils' `date +%Z` (the C library's) over zones and instants: both
// sides of DST changes, before the first transition, after the last (the footer's rule), and
// zones whose abbreviation is a numeric offset.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { localZoneAbbreviation, tzifAbbreviation } from '../../src/cli/zone-abbrev.js';
import { offsetAt } from '../../src/schedule/zone.js';

const ZONES = ['Asia/Tokyo', 'Asia/Kolkata', 'Europe/Paris', 'Europe/London', 'America/New_York', 'Australia/Sydney', 'America/Sao_Paulo',
  'Asia/Kathmandu', 'Pacific/Chatham', 'Africa/Casablanca', 'Etc/GMT+5', 'EST5EDT', 'Europe/Dublin', 'America/St_Johns', 'UTC'];
// 1900 (before most zones' first transition), DST summers and winters, today, and 2100 (past every transition: the footer).
const INSTANTS = ['1900-06-01T00:00:00Z', '1985-01-15T12:00:00Z', '1985-07-15T12:00:00Z', '2024-01-15T12:00:00Z', '2024-07-15T12:00:00Z',
  '2024-03-31T00:59:59Z', '2024-03-31T01:00:00Z', '2100-01-15T12:00:00Z', '2100-07-15T12:00:00Z'];
const skip = !existsSync('/usr/share/zoneinfo/Asia/Tokyo') && 'no zone database (apt-get install tzdata)';

test('the abbreviation is the C library\'s (date +%Z) for every zone and instant', { skip }, () => {
  for (const zone of ZONES) {
    for (const iso of INSTANTS) {
      const at = new Date(iso);
      const theirs = spawnSync('date', ['-d', `@${at.getTime() / 1000}`, '+%Z'], { encoding: 'utf8', env: { ...process.env, TZ: zone } }).stdout.trim();
      const ours = tzifAbbreviation(readFileSync(`/usr/share/zoneinfo/${zone}`), at, offsetAt(Math.floor(at.getTime() / 1000), zone));
      assert.equal(ours, theirs, `${zone} at ${iso}`);
    }
  }
});

// TZ as the C library reads it: a path, a name with ':', a POSIX rule, empty (`stat -t` labelled
// a Tokyo time UTC for TZ=JST-9 and for a path).
test('the local zone\'s abbreviation for TZ as given, now, is the C library\'s', { skip }, () => {
  const at = new Date();
  for (const tz of ['JST-9', '/usr/share/zoneinfo/Asia/Tokyo', ':Asia/Tokyo', 'CET-1CEST,M3.5.0,M10.5.0/3', '<+0530>-5:30', 'Asia/Kolkata', 'UTC', '']) {
    const theirs = spawnSync('date', ['-d', `@${Math.floor(at.getTime() / 1000)}`, '+%Z'], { encoding: 'utf8', env: { ...process.env, TZ: tz } }).stdout.trim();
    assert.equal(localZoneAbbreviation(at, { TZ: tz }), theirs, `TZ=${tz}`);
  }
});
