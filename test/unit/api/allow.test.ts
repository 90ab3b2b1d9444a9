// at.allow/at.deny and cron.allow/cron.deny as at (perm.c) and Debian's cron read them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { mayUse } from '../../../src/api/schedule/allow.js';
import { lookupUser } from '../../../src/os/proc/index.js';

describe('allow and deny files', () => {
  const etc = mkdtempSync(join(tmpdir(), 'appinit-allow-'));
  after(() => rmSync(etc, { recursive: true, force: true }));
  // A real user other than root from passwd (daemon, bin or nobody exist on Debian).
  const other = ['daemon', 'bin', 'nobody'].map((n) => lookupUser(n)).find((u) => u != null)!;

  test('with neither file: at is root\'s only, cron is everyone\'s; root may always', () => {
    assert.equal(mayUse(etc, 'at', other.uid), false);
    assert.equal(mayUse(etc, 'cron', other.uid), true);
    assert.equal(mayUse(etc, 'at', 0), true);
  });

  test('deny lists who may not; allow, when it exists, lists who may (deny is then not read)', () => {
    writeFileSync(join(etc, 'at.deny'), '');
    assert.equal(mayUse(etc, 'at', other.uid), true, 'an empty at.deny allows everyone');
    writeFileSync(join(etc, 'at.deny'), `# comment\n  ${other.name}  \n`);
    assert.equal(mayUse(etc, 'at', other.uid), false);
    writeFileSync(join(etc, 'at.allow'), `${other.name}\n`);
    assert.equal(mayUse(etc, 'at', other.uid), true);
    writeFileSync(join(etc, 'cron.allow'), 'someone-else\n');
    assert.equal(mayUse(etc, 'cron', other.uid), false);
    assert.equal(mayUse(etc, 'cron', 0), true);
  });

  test('a uid passwd does not know may not', () => {
    assert.equal(mayUse(etc, 'cron', 4_000_000), false);
  });
});
