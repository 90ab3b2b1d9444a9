// `down` while commands are still connected to the daemon: a `logs -f` follower (and the library's
// follower) never ends by itself, and an open connection kept the stopped daemon's process
// alive: `down` waited 120 s, then said the daemon did not stop. The daemon ends them once its jobs
// have stopped; the follower then ends too (exit 0, as when the daemon is gone).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { alive, CLI, TestHome, waitFor } from './harness.js';

describe('down with followers connected', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('down returns, the daemon exits, and `logs -f` ends', async () => {
    await h.up('programs:\n  ticker:\n    command: sh -c "while :; do echo tick; sleep 0.2; done"\n');
    const daemon = h.daemonPid();
    const follower = spawn(process.execPath, [CLI, 'logs', '-f', 'ticker'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      follower.stdout.on('data', (d) => (out += d));
      const ended = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
      await waitFor('the follower to print a tick', () => out.includes('tick'));
      // The library's follower too, on a connection of its own.
      let libEnded = false;
      const stopLib = (await h.api()).followLogs({ name: 'ticker' }, () => {}, () => { libEnded = true; });
      const r = await h.cli(['down'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr + r.stdout, /daemon stopped/);
      await waitFor('the daemon process to be gone', () => !alive(daemon));
      const code = await Promise.race([ended, new Promise<'running'>((res) => setTimeout(() => res('running'), 10_000))]);
      assert.equal(code, 0, 'the follower ended with the daemon');
      await waitFor('the library\'s follower to be told the end', () => libEnded);
      stopLib();
    } finally {
      follower.kill('SIGKILL');
    }
  });
});
