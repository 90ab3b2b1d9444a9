// Accounting records: the program's own figures, one record per reaped process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fixture } from '../fixtures/fixtures.js';
import { TestHome, waitFor } from './harness.js';

const USER = 'appinit-t1';

describe('accounting', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('sleep 0.1 shows a few MB, not the daemon\'s peak; a 100 MB toucher about 100 MB', async () => {
    const touch = fixture('touch-mem');
    await h.up(`programs:\n  nap:\n    command: sleep 0.1\n    restart: never\n  big:\n    command: ${touch} 100\n    restart: never\n`);
    await h.waitJob('nap', 'exited', (j) => j.state === 'exited');
    await h.waitJob('big', 'exited', (j) => j.state === 'exited');
    const c = await h.api();
    const [nap] = await c.acct({ program: 'nap' });
    const [big] = await c.acct({ program: 'big' });
    assert.ok(nap.maxrss > 200 && nap.maxrss < 8 * 1024, `sleep maxrss ${nap.maxrss} KiB should be a few MB`);
    assert.ok(big.maxrss > 100 * 1024 && big.maxrss < 115 * 1024, `toucher maxrss ${big.maxrss} KiB should be about 100 MB`);
    assert.ok(nap.end - (nap.start ?? 0) >= 0.09, 'elapsed covers the sleep');
    assert.equal(nap.exitCode, 0);
    assert.equal(nap.command, 'sleep 0.1');
    assert.ok(big.minflt > 25_000, 'page faults are counted');
  });

  test('appinit acct prints a table and --json the documented fields', async () => {
    const t = await h.cli(['acct', 'nap']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /nap .* sleep .* exit\(0\)/);
    const j = JSON.parse((await h.cli(['acct', '--json'])).stdout);
    for (const k of ['pid', 'ppid', 'job', 'number', 'program', 'command', 'uid', 'gid', 'start', 'end', 'utime', 'stime', 'maxrss', 'exitCode', 'signal', 'core', 'flags']) {
      assert.ok(k in j[0], `acct --json has ${k}`);
    }
  });

  test('the JOB column is the %N that status shows, and acct %N lists that job\'s records only', async () => {
    const st = (await h.status()).find((x) => x.name === 'nap')!;
    const t = await h.cli(['acct', `%${st.job}`]);
    assert.equal(t.code, 0, t.stderr);
    const rows = t.stdout.trim().split('\n').slice(1);
    assert.ok(rows.length >= 1 && rows.every((l) => l.includes(` %${st.job} `) && / nap /.test(l)), t.stdout);
    const none = await h.cli(['acct', '%999']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /%999: no such job/);
  });

  test('a program runs as another user, with that user\'s groups, and the status says who', async () => {
    spawnSync('useradd', ['-M', '-s', '/bin/sh', USER]);
    spawnSync('groupadd', ['-f', `${USER}-extra`]);
    spawnSync('usermod', ['-aG', `${USER}-extra`, USER]);
    try {
      await h.up(`programs:\n  asuser:\n    command: sh -c 'id -un; id -Gn; echo "HOME=$HOME"; sleep 1000'\n    user: ${USER}\n    cwd: /tmp\n`);
      const j = await h.waitJob('asuser', 'running', (j) => j.state === 'running');
      assert.equal(j.user, USER);
      const st = spawnSync('sh', ['-c', `grep -E '^(Uid|Gid):' /proc/${j.pid}/status`], { encoding: 'utf8' }).stdout;
      const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout);
      assert.match(st, new RegExp(`Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}`));
      await waitFor('id output in the log', async () => {
        const out = (await h.cli(['logs', 'asuser'])).stdout;
        return out.includes(USER) && out.includes(`${USER}-extra`) ? out : null;
      });
      const r = await h.cli(['status', 'asuser']);
      assert.match(r.stdout, new RegExp(`running .* ${USER}`));
      await h.cli(['stop', 'asuser']);
      const rec = (await (await h.api()).acct({ program: 'asuser' })).at(-1)!;
      assert.equal(rec.uid, uid);
    } finally {
      spawnSync('userdel', [USER]);
      spawnSync('groupdel', [`${USER}-extra`]);
    }
  });

  test('an unknown user is an error when the file is loaded, not a silent failure', async () => {
    const file = h.write('ghost.yaml', `programs:\n  ghost:\n    command: sleep 1\n    user: no-such-user-here\n`);
    const r = await h.cli(['up', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file}:4:11: programs\\.ghost\\.user: no user "no-such-user-here" on this system`));
    assert.equal((await h.status()).some((j) => j.name === 'ghost'), false);
  });
});
