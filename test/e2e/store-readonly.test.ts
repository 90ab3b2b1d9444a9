// A store the daemon's user cannot write (a user's home, its state.db made read-only): the
// daemon that autostart starts says so, naming the file and what to do, and exits. It stayed
// alive holding the home's lock, never listening, and every later command failed. Root only: it
// makes a user (root writes any file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, waitFor } from './harness.js';
import { makeUser, removeUsers, type TestUser } from './system-harness.js';

const isRoot = process.getuid?.() === 0;
const NAME = `apro${process.pid % 100000}`;

describe('a read-only store', { skip: isRoot ? false : 'needs root (makes a user)' }, () => {
  let user: TestUser;
  let home = '';
  const as = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], {
    uid: user.uid, gid: user.gid, cwd: '/tmp', encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: NAME, APPINIT_HOME: home },
  });
  const daemons = () => spawnSync('pgrep', ['-u', String(user.uid), '-f', 'appinit-daemon|appinit daemon|main.js daemon'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  after(() => {
    if (user) spawnSync('pkill', ['-KILL', '-u', String(user.uid)]);
    if (home) rmSync(home, { recursive: true, force: true });
    removeUsers([NAME]);
  });

  test('the daemon says which file and what to do, and exits; the next command says it again', async () => {
    user = makeUser(NAME);
    home = mkdtempSync(join(tmpdir(), 'appinit-ro-'));
    chownSync(home, user.uid, user.gid);
    const first = as(['run', '--', 'true']);
    assert.equal(first.status, 0, first.stderr);
    const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    for (const f of ['state.db', 'state.db-wal']) try { chmodSync(join(home, f), 0o444); } catch { /* no WAL file */ }
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon gone', () => spawnSync('kill', ['-0', String(pid)]).status !== 0);
    for (let i = 0; i < 2; i++) {
      const r = as(['status']);
      assert.equal(r.status, 1, `status ${i}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`the store ${join(home, 'state.db').replace(/[.]/g, '\\.')} cannot be written \\(attempt to write a readonly database\\)`), r.stderr);
      assert.doesNotMatch(r.stderr, /holds .*daemon\.lock but does not answer/, 'no stray daemon holds the lock');
      await waitFor('no daemon left running', () => daemons().length === 0, 10_000);
    }
  });
});
