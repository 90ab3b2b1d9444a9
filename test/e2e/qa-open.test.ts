// The open server as a user who owns a granted directory would abuse it: a symlink planted there
// towards a root-only file, a FIFO, a directory. Refusals must come before the file is opened for
// real (no truncation, no blocking open, no device side effect).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, TestHome } from './harness.js';

const LIB = new URL('../../src/client/index.js', import.meta.url).href;
import { makeUser, removeUsers, SystemHome, type TestUser } from './system-harness.js';

const ROOT = process.getuid?.() === 0;

describe('appinit open: what the caller can plant in a granted directory', { skip: ROOT ? false : 'needs root and the nobody user' }, () => {
  const h = new TestHome();
  // Outside the home: the granted directory belongs to nobody, as a program's own data directory does.
  const base = mkdtempSync(join(tmpdir(), 'appinit-qa-open-'));
  after(async () => {
    await h.cleanup();
    rmSync(base, { recursive: true, force: true });
  });
  const pub = join(base, 'pub');
  const victim = join(base, 'victim.txt');
  const asNobody = (args: string[], input = '') => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args],
    { env: { ...h.env, HOME: '/nonexistent' }, encoding: 'utf8', input, timeout: 20_000 });

  test('setup: a granted directory nobody owns, a root-only file outside it', async () => {
    chmodSync(base, 0o711);
    mkdirSync(pub, { mode: 0o700 });
    chownSync(pub, 65534, 65534);
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
    await h.up(`programs:
  mine:
    command: sleep 1000
    user: nobody
    cwd: /
    grants: [${pub}/]
`);
    chmodSync(h.home, 0o711);
  });

  test('--write through a symlink to a root-only file is refused and the file is left intact', () => {
    assert.equal(spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'ln', '-s', victim, join(pub, 'evil')]).status, 0);
    const w = asNobody(['open', '--write', join(pub, 'evil')], 'owned\n');
    assert.equal(w.status, 1, w.stderr);
    assert.match(w.stderr, /which no grant allows/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the refused open must not have truncated the target');
  });

  test('a FIFO is refused at once, for reading and for writing, without waiting for a peer', () => {
    assert.equal(spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'mkfifo', join(pub, 'fifo')]).status, 0);
    for (const flag of [[], ['--write'], ['--append']]) {
      const r = asNobody(['open', ...flag, join(pub, 'fifo')]);
      assert.equal(r.signal, null, `open ${flag.join(' ')} FIFO hung`);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /not a regular file/, `open ${flag.join(' ')} of a FIFO`);
    }
  });

  test('a directory (with or without its slash) is refused as not a regular file', () => {
    mkdirSync(join(pub, 'sub'));
    const r = asNobody(['open', join(pub, 'sub')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not a regular file/);
    const w = asNobody(['open', '--write', join(pub, 'sub') + '/'], 'x');
    assert.equal(w.status, 1);
    assert.match(w.stderr, /not a regular file|no program's grants/);
  });

  test('a symlink inside the grant to a granted file works, and writes land in the target', () => {
    writeFileSync(join(pub, 'data.txt'), 'old\n');
    chownSync(join(pub, 'data.txt'), 65534, 65534);
    symlinkSync(join(pub, 'data.txt'), join(pub, 'alias'));
    const w = asNobody(['open', '--write', join(pub, 'alias')], 'new\n');
    assert.equal(w.status, 0, w.stderr);
    assert.equal(readFileSync(join(pub, 'data.txt'), 'utf8'), 'new\n');
  });
});

describe('appinit open on the system daemon', { skip: ROOT ? false : 'needs root (creates a user, runs the system daemon)' }, () => {
  const U = `apqo${process.pid % 100000}`;
  const h = ROOT ? new SystemHome() : (null as unknown as SystemHome);
  let u: TestUser;
  let other: TestUser;
  after(async () => {
    await h.cleanup();
    removeUsers([U, `${U}b`]);
  });

  test('root grants a user a file: the user reaches the system daemon\'s open server (CLI and library) and reads it; another user is refused', async () => {
    u = makeUser(U);
    other = makeUser(`${U}b`);
    await h.start();
    const data = join(h.dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(join(data, 'r.txt'), 'for the user\n', { mode: 0o600 });
    const file = h.write('app.yaml', `programs:\n  holder:\n    command: sleep 1000\n    user: ${U}\n    cwd: /\n    grants: [${data}/]\n`);
    const upr = await h.cli(['up', file]);
    assert.equal(upr.code, 0, upr.stderr);
    const r = await h.cli(['open', join(data, 'r.txt')], { user: u });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'for the user\n');
    // The library, as the user: client.open finds the server beside the system daemon's socket.
    const script = `import { connect } from ${JSON.stringify(LIB)}; import { readFileSync } from 'node:fs';
const c = await connect({ system: true }); process.stdout.write(readFileSync(await c.open(${JSON.stringify(join(data, 'r.txt'))}), 'utf8'));`;
    const lib = spawnSync('setpriv', [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups', process.execPath, '--input-type=module', '-e', script],
      { env: h.env(), encoding: 'utf8', timeout: 20_000, cwd: '/' });
    assert.equal(lib.status, 0, lib.stderr);
    assert.equal(lib.stdout, 'for the user\n');
    const no = await h.cli(['open', join(data, 'r.txt')], { user: other });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /no program's grants: allow uid/);
  });

  test('a user\'s own control file cannot grant itself root\'s files', async () => {
    const file = h.write('greedy.yaml', 'programs:\n  greedy:\n    command: sleep 1000\n    cwd: /\n    grants: [/etc/shadow]\n');
    await h.cli(['up', file], { user: other }); // refused at load, or loaded and its grants ignored
    const r = await h.cli(['open', '/etc/shadow'], { user: other });
    assert.notEqual(r.code, 0, 'the user read /etc/shadow through the daemon');
    assert.doesNotMatch(r.stdout, /root:/);
  });
});
