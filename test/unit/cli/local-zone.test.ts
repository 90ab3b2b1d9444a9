// The local zone found without ICU names the zone Intl would have named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { localZone } from '../../../src/cli/local-zone.js';

const MODULE = fileURLToPath(new URL('../../../src/cli/local-zone.js', import.meta.url));

// What a fresh process with this TZ resolves: the fast path's answer, and Intl's.
function both(tz: string | undefined): { fast: string; intl: string } {
  const env = { ...process.env };
  if (tz === undefined) delete env.TZ;
  else env.TZ = tz;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { localZone } from ${JSON.stringify(MODULE)};
console.log(JSON.stringify({ fast: localZone(), intl: Intl.DateTimeFormat().resolvedOptions().timeZone }));`], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { fast: string; intl: string };
}

test('TZ with an IANA name is taken as it is, and is what Intl says', { skip: !existsSync('/usr/share/zoneinfo/Europe/Paris') && 'no zone database' }, () => {
  assert.deepEqual(both('Europe/Paris'), { fast: 'Europe/Paris', intl: 'Europe/Paris' });
  assert.equal(localZone({ TZ: ':America/New_York' }), existsSync('/usr/share/zoneinfo/America/New_York') ? 'America/New_York' : localZone({ TZ: 'x' }));
});

test('an empty TZ is UTC, as for the C library', () => {
  assert.equal(localZone({ TZ: '' }), 'UTC');
});

test('POSIX rules and unknown names are left to Intl', () => {
  const posix = both('EST5EDT');
  assert.equal(posix.fast, posix.intl);
  const bad = both('Nowhere/Atlantis');
  assert.equal(bad.fast, bad.intl || 'UTC'); // as logs always did when Intl names none
});

test('without TZ the zone is the one /etc/localtime names, in the same place as Intl', () => {
  const z = both(undefined);
  // ICU canonicalises links ("Etc/UTC" is "UTC"): both name an instant the same way.
  const at = Date.UTC(2026, 6, 1, 12);
  const f = (zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: 'numeric', hour12: false }).format(at);
  assert.equal(f(z.fast), f(z.intl));
});
