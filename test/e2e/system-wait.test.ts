// A wait outlives a kill -9 of the system daemon: no client may start that daemon, so the wait
// holds on until it is back (as its service manager restarts it), then gets the job's status.
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { alive, CLI, waitFor } from './harness.js';
import { makeUser, removeUsers, SystemHome, type TestUser } from './system-harness.js';
import { spawn } from 'node:child_process';

const isRoot = process.getuid?.() === 0;
const U = `apsw${process.pid % 100000}`;

describe('system daemon killed during a wait', { skip: isRoot ? false : 'needs root (creates a user, runs the system daemon)' }, () => {
  const h = isRoot ? new SystemHome() : (null as unknown as SystemHome);
  let u: TestUser;
  before(async () => {
    u = makeUser(U);
    await h.start();
  });
  after(async () => {
    await h.cleanup();
    removeUsers([U]);
  });

  test('wait %N returns the job\'s status from the daemon that comes back', async () => {
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', 'sleep 2; exit 7'], { user: u });
    assert.equal(bg.code, 0, bg.stderr);
    const n = Number(/^\[(\d+)\]/.exec(bg.stdout)?.[1]);
    // stderr to a file: node's pipes to a child are sockets too, and would look like its connection.
    const errFile = h.write(`wait-${n}.err`, '', 0o666);
    const errFd = openSync(errFile, 'w');
    const waiter = spawn(process.execPath, [CLI, '--system', 'wait', `%${n}`], { env: h.env(), uid: u.uid, gid: u.gid, cwd: '/tmp', stdio: ['ignore', 'ignore', errFd] });
    closeSync(errFd);
    const err = () => readFileSync(errFile, 'utf8');
    const done = new Promise<number>((res) => waiter.on('close', (code) => res(code ?? -1)));
    try {
      // Its wait is out once it holds the same connection across polls: the connect's own short
      // request (GET /v1/info) comes and goes on a connection of its own first.
      const sockets = () => new Set(readdirSync(`/proc/${waiter.pid}/fd`).map((f) => { try { return readlinkSync(`/proc/${waiter.pid}/fd/${f}`); } catch { return ''; } }).filter((l) => l.startsWith('socket:')));
      let seen = new Set<string>();
      await waitFor('the wait request held open', () => {
        const now = sockets();
        const held = [...now].some((x) => seen.has(x));
        seen = now;
        return held || null;
      }, 10_000, 300);
      const old = h.daemon!;
      old.kill('SIGKILL');
      await waitFor('the daemon gone', () => old.exitCode != null || old.signalCode != null || null);
      await h.start();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([done, new Promise<number>((_, rej) => { timer = setTimeout(() => rej(new Error(`the wait did not end: ${err()}`)), 30_000); })])
        .finally(() => clearTimeout(timer));
      assert.equal(code, 7, `the job's status, from the daemon that came back (${err()})`);
    } finally {
      if (waiter.pid && alive(waiter.pid)) waiter.kill('SIGKILL');
    }
  });
});

// Two root `--system down`s at once (an admin and ExecStop): the second failed with "no system
// daemon answers ... start it with appinit daemon --system", status 1.
describe('two system downs at once', { skip: isRoot ? false : 'needs root (runs the system daemon)' }, () => {
  const h = isRoot ? new SystemHome() : (null as unknown as SystemHome);
  before(async () => { await h.start(); });
  after(async () => { await h.cleanup(); });

  test('both end with status 0; the second says the daemon stopped meanwhile', async () => {
    const bg = await h.cli(['run', '--bg', '--', 'sh', '-c', 'trap "sleep 1; exit 0" TERM; while :; do sleep 0.05; done']);
    assert.equal(bg.code, 0, bg.stderr);
    const first = h.cli(['down'], { timeoutMs: 60_000 });
    // The first has the daemon stopping (the job takes 1 s): its socket is gone, the daemon is not.
    await waitFor('the first down has closed the socket', () => !existsSync(h.socket));
    const second = await h.cli(['down'], { timeoutMs: 60_000 });
    const one = await first;
    assert.deepEqual([one.code, second.code], [0, 0], `${one.stderr}${second.stderr}`);
    assert.match(second.stdout, /the daemon stopped meanwhile|every job stopped/);
  });
});
