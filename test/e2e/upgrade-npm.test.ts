// Opt-in (APPINIT_UPGRADE_TEST=1; it installs from the npm registry and takes a minute or more):
// `npm i -g` of one packed version into a temporary prefix, jobs started, then `npm i -g` of a
// second version (the same package with its version bumped) over it while they run. The old
// daemon keeps serving; commands say the versions differ; `appinit update` hands over to a daemon
// of the new version, and every job keeps its pid.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { alive, sessionMembers } from './harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ON = process.env.APPINIT_UPGRADE_TEST === '1';

describe('upgrade with npm i -g while jobs run', { skip: ON ? false : 'opt-in: APPINIT_UPGRADE_TEST=1 (installs from the npm registry)' }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'appinit-upgrade-'));
  const prefix = join(tmp, 'prefix');
  const home = join(tmp, 'home');
  const env = { ...process.env, APPINIT_HOME: home, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
  const seen = new Set<number>();
  const sh = (cmd: string, args: string[], timeout = 10 * 60_000): SpawnSyncReturns<string> => spawnSync(cmd, args, { cwd: tmp, env, encoding: 'utf8', timeout });
  const ok = (r: SpawnSyncReturns<string>, what: string) => assert.equal(r.status, 0, `${what}: ${r.stdout}${r.stderr}`);
  const appinit = (...args: string[]) => sh(join(prefix, 'bin', 'appinit'), args, 60_000);
  after(() => {
    if (existsSync(join(home, 'appinit.sock'))) appinit('down');
    for (const f of ['daemon.pid', 'supervise.pid']) {
      try { process.kill(Number(readFileSync(join(home, f), 'utf8')), 'SIGKILL'); } catch { /* gone */ }
    }
    for (const pid of seen) for (const p of sessionMembers(pid)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    spawnSync('pkill', ['-KILL', '-f', tmp]);
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the new daemon takes over; every job keeps its pid', () => {
    // The package as `npm pack` makes it (dist is already built), and a copy one version up.
    ok(sh('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp, REPO]), 'npm pack');
    const tgz1 = join(tmp, readdirSync(tmp).find((f) => /^appinit-.*\.tgz$/.test(f))!);
    mkdirSync(join(tmp, 'next'));
    ok(sh('tar', ['xzf', tgz1, '-C', join(tmp, 'next')]), 'unpack');
    const pkgFile = join(tmp, 'next', 'package', 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
    const v1 = pkg.version;
    const v2 = `${v1}-next.1`;
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, version: v2 }, null, 2));
    const tgz2 = join(tmp, 'appinit-next.tgz');
    ok(sh('tar', ['czf', tgz2, '-C', join(tmp, 'next'), 'package']), 'repack');

    let t = Date.now();
    ok(sh('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tgz1]), `npm i -g appinit@${v1}`);
    console.log(`install ${v1}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(join(tmp, 'app.yaml'), 'programs:\n  a:\n    command: sleep 1000\n    ready: 0\n  b:\n    command: sleep 1001\n    instances: 2\n    ready: 0\n');
    ok(appinit('up', join(tmp, 'app.yaml')), 'appinit up');
    const status = () => JSON.parse(appinit('status', '--json').stdout) as { name: string; job: number; pid: number | null; state: string; restarts: number }[];
    const until = Date.now() + 15_000;
    let before = status();
    while (!(before.length === 3 && before.every((j) => j.state === 'running' && j.pid)) && Date.now() < until) before = status();
    assert.ok(before.every((j) => j.state === 'running'), `three running jobs: ${JSON.stringify(before)}`);
    for (const j of before) seen.add(j.pid!);
    const info1 = JSON.parse(appinit('info', '--json').stdout) as { pid: number; helperPid: number; version: string };
    assert.equal(info1.version, v1);

    t = Date.now();
    ok(sh('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tgz2]), `npm i -g appinit@${v2} over it`);
    console.log(`install ${v2} over it: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    assert.ok(alive(info1.pid), 'the old daemon still serves after the files were replaced');
    const st = appinit('status');
    ok(st, 'status against the old daemon');
    assert.match(st.stderr, new RegExp(`the daemon runs appinit ${v1.replace(/\./g, '\\.')}, this command is ${v2.replace(/\./g, '\\.')}: run \`appinit update\``));

    const u = appinit('update', '--json');
    ok(u, 'appinit update');
    const moved = JSON.parse(u.stdout) as { from: { pid: number; version: string }; to: { pid: number; version: string }; jobs: number; kept: number };
    assert.deepEqual([moved.from.version, moved.to.version], [v1, v2]);
    assert.deepEqual([moved.jobs, moved.kept], [3, 3]);
    const info2 = JSON.parse(appinit('info', '--json').stdout) as { pid: number; helperPid: number; version: string };
    assert.equal(info2.version, v2, 'the new version serves');
    assert.notEqual(info2.pid, info1.pid);
    assert.equal(alive(info1.pid), false, 'the old daemon ended');
    assert.equal(info2.helperPid, info1.helperPid, 'the helper outlived the upgrade');
    const now = status();
    for (const j of before) {
      const k = now.find((x) => x.name === j.name && x.job === j.job);
      assert.equal(k?.pid, j.pid, `${j.name} %${j.job} kept pid ${j.pid}`);
      assert.equal(k?.restarts, j.restarts, `${j.name} %${j.job} was not restarted`);
    }
    assert.doesNotMatch(appinit('status').stderr, /appinit update/, 'no mismatch once handed over');
  });
});
