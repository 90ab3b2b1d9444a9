// `appinit startup`: the systemd unit it writes is accepted by systemd-analyze verify (the same
// check refuses a broken unit), the init scripts parse as sh, and unstartup removes what startup wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI } from '../e2e/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'appinit-startup-'));
const env = { ...process.env, APPINIT_HOME: join(dir, 'home'), APPINIT_SYSTEMD_DIR: join(dir, 'system'), APPINIT_SYSTEMD_USER_DIR: join(dir, 'user'), APPINIT_INITD_DIR: join(dir, 'init.d') };
const appinit = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 30_000 });
const verify = (file: string) => spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' } });

describe('appinit startup', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the systemd units (system and user) pass systemd-analyze verify; a broken one does not', () => {
    for (const mode of ['--system', '--user']) {
      const r = appinit('startup', 'systemd', mode, '--print');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Type=simple$/m, 'the daemon sends no READY=1: Type=simple');
      assert.match(r.stdout, /^KillMode=process$/m, 'a restart of the daemon leaves the jobs to the helper');
      assert.match(r.stdout, mode === '--system' ? /^ExecStart=\S+ \S+main\.js daemon --system$/m : /^ExecStart=\S+ \S+main\.js daemon$/m);
      const f = join(dir, `appinit${mode}.service`.replace('--', '-'));
      writeFileSync(f, r.stdout);
      const v = verify(f);
      assert.equal(v.status, 0, `systemd-analyze verify ${mode}: ${v.stderr}${v.stdout}`);
    }
    const broken = join(dir, 'broken.service');
    writeFileSync(broken, '[Unit]\nDescription=x\n[Service]\nType=simple\n');
    assert.notEqual(verify(broken).status, 0, 'systemd-analyze verify refuses a unit without ExecStart');
  });

  test('startup writes the unit, says there is nothing to save; unstartup removes it', () => {
    const w = appinit('startup', 'systemd', '--system');
    assert.equal(w.status, 0, w.stderr);
    const unit = join(dir, 'system', 'appinit.service');
    assert.ok(existsSync(unit), w.stdout);
    assert.match(w.stdout, /State is continuous/);
    assert.equal(verify(unit).status, 0);
    const u = appinit('unstartup', 'systemd', '--system');
    assert.equal(u.status, 0, u.stderr);
    assert.equal(existsSync(unit), false);
    const again = appinit('unstartup', 'systemd', '--system');
    assert.equal(again.status, 1, 'removing what is not there is an error');
    assert.match(again.stderr, /does not exist/);
  });

  test('the boot file starts the daemon of this APPINIT_HOME; the sysv script answers status and stop as LSB says', async () => {
    const unit = appinit('startup', 'systemd', '--user', '--print');
    assert.equal(unit.status, 0, unit.stderr);
    assert.match(unit.stdout, new RegExp(`^Environment=.?APPINIT_HOME=${join(dir, 'home')}.?$`, 'm'), 'the home it was given, not ~/.appinit');
    const f = join(dir, 'home-user.service');
    writeFileSync(f, unit.stdout);
    assert.equal(verify(f).status, 0, 'and systemd-analyze verify accepts it');
    const w = appinit('startup', 'sysv', '--user');
    assert.equal(w.status, 0, w.stderr);
    const script = readdirSync(join(dir, 'init.d')).map((n) => join(dir, 'init.d', n))[0];
    const text = readFileSync(script, 'utf8');
    assert.match(text, /^# Provides: +appinit-\S+$/m, 'a user\'s script does not claim root\'s name');
    const sh = (arg: string) => spawnSync('sh', [script, arg], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    // No daemon for this home: status 3 (and it starts none), stop succeeds.
    assert.deepEqual([sh('status').status, sh('stop').status], [3, 0]);
    assert.equal(existsSync(join(dir, 'home', 'daemon.pid')), false, 'status started no daemon');
    // With one running: status 0 naming its pid.
    assert.equal(appinit('info').status, 0);
    const pid = readFileSync(join(dir, 'home', 'daemon.pid'), 'utf8').trim();
    const st = sh('status');
    assert.equal(st.status, 0, st.stdout);
    assert.match(st.stdout, new RegExp(`running \\(pid ${pid}\\)`));
    assert.equal(appinit('down').status, 0);
    assert.equal(appinit('unstartup', 'sysv', '--user').status, 0);
  });

  test('openrc and sysv scripts parse as sh; a bad init name is a usage error', () => {
    for (const init of ['openrc', 'sysv']) {
      const r = appinit('startup', init, '--system');
      assert.equal(r.status, 0, r.stderr);
      const script = join(dir, 'init.d', 'appinit');
      assert.match(readFileSync(script, 'utf8'), /daemon --system/);
      const sh = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
      assert.equal(sh.status, 0, `${init}: sh -n: ${sh.stderr}`);
      assert.equal(appinit('unstartup', init, '--system').status, 0);
    }
    const bad = appinit('startup', 'upstart');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected one of systemd, openrc, sysv, got "upstart"/);
  });
});
