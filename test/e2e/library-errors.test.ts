// The library as a program uses it: every failure is an AppinitError with a code (the daemon's,
// or the client's own when no answer came), a follower can tell a daemon that stopped (`down`)
// from one that was killed, and a relative home is the caller's, as APPINIT_HOME is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AppinitError, connect, ResourceCallError } from '../../src/client/index.js';
import { TestHome, waitFor } from './harness.js';

const PROGRAM = 'programs:\n  ticker:\n    command: sh -c \'while true; do echo tick; sleep 0.1; done\'\n';

// Follows ticker's log until onEnd; resolves with what onEnd was given, and the lines seen.
function follow(c: Awaited<ReturnType<typeof connect>>, name = 'ticker'): { ended: Promise<Error | undefined>; lines: () => number } {
  let n = 0;
  const ended = new Promise<Error | undefined>((resolve) => c.followLogs({ name, n: 1 }, () => n++, resolve));
  return { ended, lines: () => n };
}

describe('the library: errors and ends', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a follow of a daemon killed (kill -9) ends with connection_lost; after `down`, with no error', async () => {
    await h.up(PROGRAM);
    const c = await connect({ home: h.home });
    const f = follow(c);
    await waitFor('a line followed', () => f.lines() > 0);
    process.kill((await c.info()).pid, 'SIGKILL');
    const err = await f.ended;
    assert.ok(err instanceof AppinitError, `an AppinitError, got ${String(err)}`);
    assert.equal(err.code, 'connection_lost');
    assert.match(err.message, /follow again/);

    // The next call starts the next daemon (autostart); its down ends a follow whole.
    const g = follow(c);
    await waitFor('a line followed from the next daemon', () => g.lines() > 0, 20_000);
    await c.down();
    assert.equal(await g.ended, undefined, 'a down is a plain end');
  });

  test('errors are AppinitErrors with codes: a follow of nothing, a resource refusal, no daemon', async () => {
    const c = await connect({ home: h.home });
    const nope = await follow(c, 'nope').ended;
    assert.ok(nope instanceof AppinitError, String(nope));
    assert.equal(nope.code, 'not_found');
    assert.equal(nope.name, 'AppinitError');

    await assert.rejects(c.semaphore('s1').create(Number.NaN), (e: unknown) => e instanceof ResourceCallError && e instanceof AppinitError && e.code === 'usage');

    const info = await c.info();
    const quiet = await connect({ home: h.home, autostart: false });
    await c.down();
    await waitFor('the daemon gone', () => spawnSync('kill', ['-0', String(info.pid)]).status !== 0);
    await assert.rejects(quiet.status(), (e: unknown) => e instanceof AppinitError && e.code === 'not_running' && e.errno !== undefined && /no daemon answers/.test(e.message));
  });

  test('a relative home is resolved against the working directory, as APPINIT_HOME is', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'appinit-rel-')));
    const cwd = process.cwd();
    let pid = 0;
    try {
      process.chdir(dir);
      const c = await connect({ home: 'relhome' });
      const info = await c.info();
      pid = info.pid;
      assert.equal(info.home, join(dir, 'relhome'));
      assert.equal(c.home, join(dir, 'relhome'));
      await c.down();
      await waitFor('the daemon to end after its down', () => spawnSync('kill', ['-0', String(pid)]).status !== 0, 30_000);
    } finally {
      process.chdir(cwd);
      // Had the down failed: the daemon and its helper (which outlives a killed daemon) go too.
      spawnSync('pkill', ['-KILL', '-f', join(dir, 'relhome')]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
