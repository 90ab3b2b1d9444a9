// The package's bin is the bundle scripts/build-cli.mjs makes: it runs as a file (its shebang),
// answers by itself for the verbs it carries and hands the others to the ES module entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../src/cli/appinit.cjs', import.meta.url));

test('the bin starts with a shebang and runs as a file', () => {
  assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'), 'no shebang: npm links the bin and a shell would run it');
  accessSync(BIN, constants.X_OK);
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('a verb the bundle does not carry runs from the ES module entry; --help lists every group', () => {
  const home = mkdtempSync(join(tmpdir(), 'appinit-bundle-'));
  try {
    const env = { ...process.env, APPINIT_HOME: join(home, 'none') };
    const help = spawnSync(process.execPath, [BIN, '--help'], { env, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    for (const verb of ['status', 'logs', 'ps', 'jobs', 'up', 'crontab', 'lock']) assert.match(help.stdout, new RegExp(`\\n  ${verb}\\b`), `--help lacks ${verb}`);
    // `cron next` needs no daemon: it proves the hand-over without starting one.
    const next = spawnSync(process.execPath, [BIN, 'cron', 'next', '0 9 * * *'], { env, encoding: 'utf8' });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stdout, /\d{4}-\d\d-\d\d/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the bin keeps a code cache per verb in the user\'s cache directory, only its own, and runs alike without it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-bundle-cache-'));
  try {
    const cacheHome = join(dir, 'cache');
    mkdirSync(cacheHome);
    // `ps --help` is a verb the bundle carries whose help is printed by main.js: the hand-over is
    // an import() the loader serves, also when the bundle was compiled from the cache.
    const env = { ...process.env, APPINIT_HOME: join(dir, 'none'), XDG_CACHE_HOME: cacheHome };
    const help = () => spawnSync(process.execPath, [BIN, 'ps', '--help'], { env, encoding: 'utf8' });
    const first = help();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Usage: appinit ps/);
    const files = readdirSync(join(cacheHome, 'appinit'));
    assert.equal(files.length, 1, files.join(' '));
    assert.match(files[0], /^cli-[0-9a-f]{16}-.*-ps\.cache$/);
    const file = join(cacheHome, 'appinit', files[0]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const written = statSync(file).mtimeMs;
    const second = help();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(file).mtimeMs, written, 'an accepted cache is not written again');
    // One anyone may write is not read (and is replaced); nor is one V8 rejects.
    chmodSync(file, 0o666);
    const open = help();
    assert.equal(open.status, 0, open.stderr);
    assert.equal(open.stdout, first.stdout);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the group/world-writable cache was replaced');
    writeFileSync(file, Buffer.alloc(4096, 7), { mode: 0o600 });
    const junk = help();
    assert.equal(junk.status, 0, junk.stderr);
    assert.equal(junk.stdout, first.stdout);
    assert.ok(statSync(file).size !== 4096, 'the rejected cache was written again');
    // Off, or no cache directory of the user's: nothing is written anywhere.
    rmSync(join(cacheHome, 'appinit'), { recursive: true });
    assert.equal(spawnSync(process.execPath, [BIN, 'ps', '--help'], { env: { ...env, APPINIT_CODE_CACHE: '0' } }).status, 0);
    assert.deepEqual(readdirSync(cacheHome), []);
    const noCache = { ...env, XDG_CACHE_HOME: join(dir, 'missing'), HOME: dir };
    assert.equal(spawnSync(process.execPath, [BIN, 'ps', '--help'], { env: noCache }).status, 0);
    assert.ok(!existsSync(join(dir, 'missing')) && !existsSync(join(dir, '.cache')), 'a cache directory was created');
    // An appinit directory anyone may write into (made by someone else first) gets nothing.
    mkdirSync(join(cacheHome, 'appinit'));
    chmodSync(join(cacheHome, 'appinit'), 0o777);
    assert.equal(help().status, 0);
    assert.deepEqual(readdirSync(join(cacheHome, 'appinit')), [], 'a cache was written into a shared directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the daemon\'s bundle is what an autostart runs, and it serves as the daemon: a job runs, `down` ends it', async () => {
  const { daemonEntry, DAEMON_BUNDLE } = await import('../../../src/api/daemon-entry-path.js');
  assert.ok(existsSync(DAEMON_BUNDLE), `the build made no ${DAEMON_BUNDLE}`);
  assert.equal(daemonEntry(), DAEMON_BUNDLE);
  const dir = mkdtempSync(join(tmpdir(), 'appinit-daemon-bundle-'));
  const home = join(dir, 'home');
  const env = { ...process.env, APPINIT_HOME: home };
  const d = spawn(process.execPath, [DAEMON_BUNDLE, 'daemon', '--background'], { env, stdio: 'ignore' });
  try {
    // Started from the bundle itself, as autostart starts it (the bin's `daemon` goes there too).
    const until = Date.now() + 20_000;
    let info: { pid: number } | null = null;
    // Asked once its socket is there (asked before, a command would start a daemon of its own).
    while (!existsSync(join(home, 'appinit.sock')) && Date.now() < until && d.exitCode === null) await new Promise((res) => setTimeout(res, 20));
    const r = spawnSync(process.execPath, [BIN, 'info', '--json'], { env, encoding: 'utf8' });
    if (r.status === 0) info = JSON.parse(r.stdout) as { pid: number };
    assert.ok(info, `the bundled daemon did not answer within 20 s (exit code ${d.exitCode})`);
    assert.equal(info.pid, d.pid, 'the daemon that answers is the process the bundle started');
    const start = spawnSync(process.execPath, [BIN, 'start', '--name', 'nap', '--', 'sleep', '100'], { env, encoding: 'utf8' });
    assert.equal(start.status, 0, start.stderr);
    const status = spawnSync(process.execPath, [BIN, 'status', 'nap'], { env, encoding: 'utf8' });
    assert.match(status.stdout, /nap +%1 +\d+ +(starting|running)/, status.stdout + status.stderr);
  } finally {
    const down = spawnSync(process.execPath, [BIN, 'down'], { env, encoding: 'utf8', timeout: 30_000 });
    if (d.exitCode === null) d.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    assert.equal(down.status, 0, down.stderr);
  }
});

test('the bundles are ASCII only (one other character makes V8 keep the whole source at two bytes a character)', () => {
  for (const name of ['appinit.cjs', 'appinit-cli.cjs', 'appinit-daemon.cjs']) {
    const text = readFileSync(fileURLToPath(new URL(`../../../src/cli/${name}`, import.meta.url)), 'utf8');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${name}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
  }
});
