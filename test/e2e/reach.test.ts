// One daemon per home, always reachable (issue 18, hangs): a deleted socket is recreated, `down`
// never says "no daemon was running" while jobs run, and of 10 commands racing to start the
// daemon exactly one starts it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alive, TestHome, waitFor } from './harness.js';

describe('one daemon, always reachable', () => {
  test('a deleted socket is noticed and recreated by the same daemon; `status` reaches it, `down` stops everything', async () => {
    const h = new TestHome();
    try {
      await h.up('programs:\n  steady:\n    command: sleep 1000\n');
      const job = await h.waitJob('steady', 'running', (j) => j.state === 'running');
      const daemon = h.daemonPid();
      const sock = join(h.home, 'appinit.sock');
      const t0 = process.hrtime.bigint();
      unlinkSync(sock);
      const log = join(h.home, 'daemon.log');
      await waitFor('the socket recreated', () => existsSync(sock) && /appinit\.sock was deleted or replaced: listening on a new one/.test(readFileSync(log, 'utf8')), 20_000, 5);
      console.log(`# socket recreated ${Number(process.hrtime.bigint() - t0) / 1e6} ms after it was deleted`);
      assert.equal(statSync(sock).mode & 0o777, 0o600, 'still private');
      const r = await h.cli(['status']);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /started the daemon/);
      assert.match(r.stdout, /steady/);
      assert.equal(h.daemonPid(), daemon, 'the same daemon');
      unlinkSync(sock); // and `down` right after a deletion still stops everything
      const d = await h.cli(['down']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /every job stopped; daemon stopped/);
      assert.ok(!alive(job.pid!) && !alive(daemon), 'the job and the daemon are gone');
    } finally {
      await h.cleanup();
    }
  });

  test('`down` after a kill -9 of the daemon stops the jobs it left, never "no daemon was running"', async () => {
    const h = new TestHome();
    try {
      await h.up('programs:\n  steady:\n    command: sleep 1000\n');
      const job = await h.waitJob('steady', 'running', (j) => j.state === 'running');
      const daemon = h.daemonPid();
      process.kill(daemon, 'SIGKILL');
      await waitFor('daemon gone', () => !alive(daemon));
      h.reconnect();
      const d = await h.cli(['down']);
      assert.equal(d.code, 0, d.stderr);
      assert.doesNotMatch(d.stdout, /no daemon was running/);
      assert.match(d.stderr, /started the daemon \(pid \d+\) .* to stop the jobs it left/);
      assert.ok(!alive(job.pid!), 'the job was stopped');
      const again = await h.cli(['down']);
      assert.equal(again.stdout, 'appinit: no daemon was running\n', 'now it is true');
    } finally {
      await h.cleanup();
    }
  });

  test('`down` for a home that does not exist: "no daemon was running", status 0, and no home made', async () => {
    const h = new TestHome();
    try {
      rmSync(h.home, { recursive: true });
      const d = await h.cli(['down'], { cwd: '/' });
      assert.deepEqual([d.code, d.stdout, d.stderr], [0, 'appinit: no daemon was running\n', '']);
      assert.ok(!existsSync(h.home), 'down made no home');
    } finally {
      await h.cleanup();
    }
  });

  test('10 commands started at once on a fresh home: "started the daemon" exactly once, one daemon', async () => {
    const h = new TestHome();
    try {
      rmSync(h.home, { recursive: true });
      const t0 = Date.now();
      const rs = await Promise.all(Array.from({ length: 10 }, () => h.cli(['status'], { cwd: '/' })));
      const ms = Date.now() - t0;
      const started = rs.filter((r) => /started the daemon/.test(r.stderr)).length;
      console.log(`# 10 racing commands: ${started} said "started the daemon"; all done in ${ms} ms; exit codes ${rs.map((r) => r.code).join(',')}`);
      assert.deepEqual(rs.map((r) => r.code), Array(10).fill(0), rs.map((r) => r.stderr).join(''));
      assert.equal(started, 1);
      const daemons = spawnSync('pgrep', ['-f', `appinit daemon ${h.home}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      assert.equal(daemons.length, 1, `one daemon process: ${daemons.join(' ')}`);
    } finally {
      await h.cleanup();
    }
  });
});
