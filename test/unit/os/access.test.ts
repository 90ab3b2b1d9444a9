// The decisions root's system daemon makes for a user (src/os/access.ts), on real directories.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createRefusal, ipcPermits, permBits } from '../../../src/os/access.js';

const isRoot = process.getuid?.() === 0;
const bob = { uid: 54321, gids: [54321, 777] };

describe('permBits and ipcPermits (the kernel\'s owner, group, other choice)', () => {
  test('owner, then any of the user\'s groups, then other', () => {
    assert.equal(permBits(0o640, 54321, 1, bob), 6);
    assert.equal(permBits(0o640, 1, 777, bob), 4, 'a supplementary group counts');
    assert.equal(permBits(0o604, 1, 1, bob), 4);
    assert.equal(permBits(0o000, 1, 1, { uid: 0, gids: [0] }), 7, 'root passes');
  });
  test('ipc_perm: every bit the flag asks for in any triad must be granted', () => {
    assert.equal(ipcPermits(0o600, 0o600, 1, 1, bob), false, 'another user\'s 0600 object');
    assert.equal(ipcPermits(0o600, 0o666, 1, 1, bob), true);
    assert.equal(ipcPermits(0o600, 0o644, 1, 1, bob), false, 'read only for others: no write');
    assert.equal(ipcPermits(0o400, 0o644, 1, 1, bob), true);
    assert.equal(ipcPermits(0o600, 0o660, 1, 777, bob), true, 'through a supplementary group');
  });
});

describe('createRefusal: could the user create this file?', { skip: isRoot ? false : 'needs root (chown)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-access-'));
  chmodSync(dir, 0o755);
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a root directory (0755) refuses; the user\'s own directory admits; a closed directory on the way refuses', () => {
    assert.match(createRefusal(join(dir, 'x.sock'), bob) ?? '', /you cannot create files in/);
    const mine = join(dir, 'mine');
    mkdirSync(mine, { mode: 0o755 });
    chownSync(mine, bob.uid, bob.gids[0]);
    assert.equal(createRefusal(join(mine, 'x.sock'), bob), null);
    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    const inner = join(closed, 'inner');
    mkdirSync(inner, { mode: 0o777 });
    chmodSync(inner, 0o777);
    assert.match(createRefusal(join(inner, 'x.sock'), bob) ?? '', /you cannot enter/);
    assert.match(createRefusal(join(dir, 'missing', 'x.sock'), bob) ?? '', /cannot be reached/);
  });

  test('a sticky directory: a new name is fine, another user\'s existing file is not', () => {
    const tmp = join(dir, 'sticky');
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777);
    assert.equal(createRefusal(join(tmp, 'new.sock'), bob), null);
    writeFileSync(join(tmp, 'roots'), '');
    assert.match(createRefusal(join(tmp, 'roots'), bob) ?? '', /belongs to uid 0 in a sticky directory/);
  });
});
