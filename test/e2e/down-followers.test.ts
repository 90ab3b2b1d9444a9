// `down` while commands are still connected to the daemon: a `logs -f` follower (and the library's
// follower) never ends by itself, and an open connection kept the stopped daemon's process
// alive: `down` waited 120 s, then said the daemon did not stop. The daemon ends them once its jobs
// have stopped; the follower then ends too (exit 0, as when the daemon is gone).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alive, CLI, TestHome, waitFor } from './harness.js';

describe('down with followers connected', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('down returns, the daemon exits, and `logs -f` ends', async () => {
    const f = await ticking(h);
    const daemon = h.daemonPid();
    try {
      // The library's follower too, on a connection of its own.
      let libEnded = false;
      const stopLib = (await h.api()).followLogs({ name: 'ticker' }, () => {}, () => { libEnded = true; });
      const r = await h.cli(['down'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr + r.stdout, /daemon stopped/);
      await waitFor('the daemon process to be gone', () => !alive(daemon));
      assert.equal(await f.end(), 0, 'the follower ended with the daemon');
      assert.match(f.err(), /the daemon stopped \(appinit down\); nothing more to follow/, 'and said why');
      await waitFor('the library\'s follower to be told the end', () => libEnded);
      stopLib();
    } finally {
      f.kill();
    }
  });
});

// `logs -f ticker` on a program that prints a tick every 0.2 s, once it has shown one.
async function ticking(h: TestHome): Promise<{ end: () => Promise<number | null | 'running'>; err: () => string; kill: () => void }> {
  await h.up('programs:\n  ticker:\n    command: sh -c "while :; do echo tick; sleep 0.2; done"\n');
  const follower = spawn(process.execPath, [CLI, 'logs', '-f', 'ticker'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  follower.stderr.on('data', (d) => (err += d));
  follower.stdout.on('data', (d) => (out += d));
  const ended = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
  try {
    await waitFor('the follower to print a tick', () => out.includes('tick'));
  } catch (e) {
    follower.kill('SIGKILL');
    throw e;
  }
  return {
    end: () => Promise.race([ended, new Promise<'running'>((res) => setTimeout(() => res('running'), 10_000))]),
    err: () => err,
    kill: () => follower.kill('SIGKILL'),
  };
}

describe('logs -f when the daemon is killed', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('the follower says the daemon died and exits 1 (it ended with 0 and nothing said)', async () => {
    const f = await ticking(h);
    try {
      process.kill(h.daemonPid(), 'SIGKILL');
      assert.equal(await f.end(), 1, `the follower's status; stderr: ${f.err()}`);
      assert.match(f.err(), /the daemon \(pid \d+\) ended without stopping; its jobs run on/);
    } finally {
      f.kill();
      h.reconnect();
    }
  });
});

describe('kill -9 of the daemon in the middle of down', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('down starts a daemon to finish, and leaves no job', async () => {
    // Programs that note the TERM and go on (the stop waits 3 s, then KILLs): the daemon is
    // killed while it waits. down then said "every job stopped" while all of them ran on.
    const marks = join(h.home, 'terms');
    const yaml = ['programs:'];
    for (let i = 0; i < 5; i++) {
      yaml.push(`  t${i}:`, `    command: ${JSON.stringify(['sh', '-c', `trap 'echo t${i} >> ${marks}' TERM; while :; do sleep 0.1; done # down-midway`])}`, '    stop: { timeout: 3s }');
    }
    await h.up(yaml.join('\n') + '\n');
    await waitFor('5 jobs running', async () => (await h.status()).filter((j) => j.state === 'running').length === 5);
    const daemon = h.daemonPid();
    const down = h.cli(['down'], { timeoutMs: 60_000 });
    const terms = () => { try { return readFileSync(marks, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
    await waitFor('every job to have had its TERM', () => terms() >= 5);
    process.kill(daemon, 'SIGKILL');
    const r = await down;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ended before it had stopped every job/);
    assert.match(r.stdout, /every job stopped; daemon stopped/);
    const left = spawnSync('pgrep', ['-f', 'down-midway'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', 'no program is left running');
  });
});

// Two `down`s at once (an admin and a script, ExecStop and a cron job): the second found the
// daemon, which the first stopped before its request came, and failed with "no daemon answers
// ... (ENOENT)", status 1 (3 rounds in 20).
describe('two downs at once', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('both end with status 0, whichever stops the daemon', async () => {
    for (let round = 0; round < 6; round++) {
      await h.up('programs:\n  a:\n    command: sleep 2001\n  b:\n    command: sleep 2002\n    instances: 3\n');
      await h.waitJob('b', 'running', (j) => j.state === 'running');
      const [one, two] = await Promise.all([h.cli(['down'], { timeoutMs: 60_000 }), h.cli(['down'], { timeoutMs: 60_000 })]);
      assert.deepEqual([one.code, two.code], [0, 0], `round ${round}: ${one.stderr}${two.stderr}`);
      h.reconnect();
    }
  });
});
