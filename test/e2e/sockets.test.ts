// Issue 12's sockets and issue 9's `ready: notify`, with real programs: Python speaking sd_notify
// by hand, Debian's systemd-notify, a socket-activated Python HTTP server reloaded under load, the
// descriptor store across a kill -9, and the open server used by an unprivileged user.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, closeSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/sockets/', import.meta.url));
const ROOT = process.getuid?.() === 0;

/** A TCP port nobody listens on now (port 0 through the kernel). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A free port below 1024 (root only), for the privileged-port case. */
async function freeLowPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 600 + Math.floor(Math.random() * 400);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error('no free port below 1024');
}

/** One GET on a new connection; the body, or an error naming what failed. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const logOf = (h: TestHome, name: string) => { try { return readFileSync(join(h.home, 'logs', name, 'out.log'), 'utf8'); } catch { return ''; } };

describe('ready: notify', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('starting until READY=1 (STATUS= shown), after: waits for it; systemd-notify works as root and as nobody', async () => {
    const gate = join(h.home, 'gate');
    await h.up(`programs:
  py:
    command: python3 ${FIX}notify.py ${gate}
    ready: notify
  dep:
    command: sleep 1000
    after: [py]
    ready: 0
  sdn:
    command: sh -c 'systemd-notify --ready --status="up via systemd-notify"; exec sleep 1000'
    ready: notify
${ROOT ? `  sdn-nobody:
    command: sh -c 'systemd-notify --ready --status="nobody is up"; exec sleep 1000'
    user: nobody
    cwd: /
    ready: notify
` : ''}  silent:
    command: sleep 1000
    ready: notify
`);
    const py = await h.waitJob('py', 'STATUS=warming up', (j) => j.statusText === 'warming up');
    assert.equal(py.state, 'starting', 'not ready before READY=1');
    assert.ok(py.pid, 'it has a process');
    const dep = (await h.status()).find((j) => j.name === 'dep')!;
    assert.equal(dep.pid, null, 'dep waits for py to be ready');
    assert.deepEqual(dep.waitingFor, ['py']);
    assert.match((await h.cli(['status', 'py'])).stdout, /starting \(warming up\)/);
    writeFileSync(gate, '');
    await h.waitJob('py', 'running after READY=1', (j) => j.state === 'running' && j.statusText === 'serving');
    await h.waitJob('dep', 'started once py was ready', (j) => j.state === 'running' && j.pid != null);
    await h.waitJob('sdn', 'ready through systemd-notify', (j) => j.state === 'running' && j.statusText === 'up via systemd-notify');
    if (ROOT) await h.waitJob('sdn-nobody', 'ready through systemd-notify as nobody', (j) => j.state === 'running' && j.statusText === 'nobody is up');
    const silent = (await h.status()).find((j) => j.name === 'silent')!;
    assert.equal(silent.state, 'starting', 'no READY=1, no running');
    assert.equal(silent.awaitingReady, true);
    assert.match((await h.cli(['status', 'silent'])).stdout, /starting \(waiting for READY=1\)/);
  });

  // Programs send STATUS= once per change (redis: `Ready to accept connections`): the next daemon
  // has it from the store, as systemd keeps it across a re-exec.
  test('STATUS= outlives a kill -9 of the daemon; a stopped job does not show it as its state', async () => {
    const gate = join(h.home, 'status-gate');
    await h.up(`programs:
  told:
    command: sh -c 'systemd-notify --status=booting; while [ ! -e ${gate} ]; do sleep 0.05; done; systemd-notify --ready --status="serving 3"; exec sleep 1000'
    ready: notify
`);
    await h.waitJob('told', 'STATUS=booting', (j) => j.statusText === 'booting' && j.state === 'starting');
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0, 'a command starts the next daemon');
    const starting = await h.waitJob('told', 'still booting after the restart', (j) => j.state === 'starting');
    assert.equal(starting.statusText, 'booting');
    assert.match((await h.cli(['status', 'told'])).stdout, /starting \(booting\)/);
    writeFileSync(gate, '');
    const up = await h.waitJob('told', 'running, serving 3', (j) => j.state === 'running' && j.statusText === 'serving 3');
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0, 'a command starts the next daemon');
    const again = await h.waitJob('told', 'running after the second restart', (j) => j.state === 'running');
    assert.equal(again.pid, up.pid, 'the same process, adopted');
    assert.equal(again.statusText, 'serving 3');
    assert.equal((await h.cli(['stop', 'told'])).code, 0);
    const st = await h.cli(['status', 'told']);
    assert.match(st.stdout, /^told .* stopped /m);
    assert.doesNotMatch(st.stdout, /stopped \(serving 3\)/);
  });

  // A program that needs longer to start says so (a database replaying its log): systemd extends
  // its start timeout; `up --wait --wait-timeout` (documented as that timeout) holds on as long.
  test('EXTEND_TIMEOUT_USEC= holds up --wait past its timeout until READY=1; without it the wait ends at its timeout', async () => {
    const file = h.write('extend.yaml', `programs:
  slowpoke:
    command: sh -c 'systemd-notify EXTEND_TIMEOUT_USEC=8000000 --status=replaying; sleep 2.5; systemd-notify --ready --status=up; exec sleep 1000'
    ready: notify
`);
    const t0 = Date.now();
    const r = await h.cli(['up', '--wait', '--wait-timeout', '1s', file], { timeoutMs: 20_000 });
    const ms = Date.now() - t0;
    assert.equal(r.code, 0, `up --wait held on for the extension: ${r.stdout}${r.stderr}`);
    assert.ok(ms >= 2000, `it waited for READY=1 (${ms} ms)`);
    assert.equal((await h.status()).find((j) => j.name === 'slowpoke')!.state, 'running');
    const plain = h.write('plain.yaml', `programs:
  sluggish:
    command: sh -c 'systemd-notify --status=replaying; sleep 2.5; systemd-notify --ready; exec sleep 1000'
    ready: notify
`);
    const p = await h.cli(['up', '--wait', '--wait-timeout', '1s', plain], { timeoutMs: 20_000 });
    assert.equal(p.code, 1, 'no extension: the wait ends at its timeout');
    assert.match(p.stderr, /sluggish %\d+ still starting after 1\.\d s \(not ready yet\)/);
  });

  test('a message from another user on the job\'s socket is dropped', async (t) => {
    if (!ROOT) return t.skip('needs root to send as another user');
    await h.up(`programs:
  mine:
    command: sh -c 'echo "$NOTIFY_SOCKET" > ${join(h.home, 'addr')}; exec sleep 1000'
    ready: notify
`);
    const addr = await waitFor('the job wrote its NOTIFY_SOCKET', () => { try { return readFileSync(join(h.home, 'addr'), 'utf8').trim(); } catch { return ''; } });
    assert.match(addr, /^@appinit-notify-/);
    const send = (args: string[]) => spawnSync('setpriv', [...args, 'systemd-notify', '--ready', '--status=spoofed'], { env: { ...process.env, NOTIFY_SOCKET: addr } });
    send(['--reuid=65534', '--regid=65534', '--clear-groups']);
    await new Promise((r) => setTimeout(r, 300)); // nothing to wait on: the point is that nothing happens
    const j = (await h.status()).find((x) => x.name === 'mine')!;
    assert.equal(j.state, 'starting', 'nobody cannot make root\'s job ready');
    spawnSync('systemd-notify', ['--ready', '--status=from root'], { env: { ...process.env, NOTIFY_SOCKET: addr } });
    await h.waitJob('mine', 'ready when root says so', (x) => x.state === 'running' && x.statusText === 'from root');
  });
});

describe('listen:', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('tcp, udp and unix sockets from fd 3 in order, with LISTEN_PID and LISTEN_FDNAMES; a bad address is refused at its line', async () => {
    const [tcp, udp] = [await freePort(), await freePort()];
    await h.up(`programs:
  fds:
    command: python3 ${FIX}fds.py
    ready: 0
    listen:
      - tcp://127.0.0.1:${tcp}
      - { name: dns, url: "udp://127.0.0.1:${udp}" }
      - unix:./app.sock
`);
    const log = await waitFor('fds.py listed its descriptors', () => (/^.*end$/m.test(logOf(h, 'fds')) ? logOf(h, 'fds') : ''));
    const pid = (await h.status()).find((j) => j.name === 'fds')!.pid;
    assert.match(log, new RegExp(`pid=${pid} listen_pid=${pid} `), 'LISTEN_PID is the program\'s own pid');
    assert.match(log, new RegExp(`fd=3 name=fds type=stream addr=\\('127.0.0.1', ${tcp}\\)`));
    assert.match(log, new RegExp(`fd=4 name=dns type=dgram addr=\\('127.0.0.1', ${udp}\\)`));
    assert.match(log, new RegExp(`fd=5 name=fds type=stream addr=${join(h.home, 'app.sock')}`));
    // The sockets are appinit's: bound before the program, whatever it does with them.
    await new Promise<void>((resolve, reject) => { const c = net.connect(tcp, '127.0.0.1', () => { c.destroy(); resolve(); }); c.on('error', reject); });
    const bad = await h.cli(['up', h.write('bad.yaml', `programs:\n  x:\n    command: sleep 1\n    listen: ["tcp://127.0.0.1:99999", "sctp://x"]\n`)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.yaml:4:14: programs\.x\.listen\[0\]: port 99999/);
    assert.match(bad.stderr, /bad\.yaml:4:39: programs\.x\.listen\[1\]: expected tcp:\/\/HOST:PORT/);
    assert.ok((await h.status()).some((j) => j.name === 'fds' && j.state === 'running'), 'a bad file changes nothing');
    // Stopped for good (removed from the file): the sockets are closed and the unix file removed.
    await h.up('programs: {}\n');
    await waitFor('the unix socket file is removed', () => { try { readFileSync(join(h.home, 'app.sock')); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; } });
    await waitFor('the TCP port is closed', () => new Promise<boolean>((resolve) => { const c = net.connect(tcp, '127.0.0.1', () => { c.destroy(); resolve(false); }); c.on('error', () => resolve(true)); }));
    const u = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => { u.once('error', reject); u.bind(udp, '127.0.0.1', () => resolve()); });
    u.close();
  });

  test('a job with a terminal (its session keeper closes what it does not need) gets its sockets too', async () => {
    const port = await freePort();
    await h.up(`programs:
  ttyfds:
    command: python3 ${FIX}fds.py
    tty: true
    ready: 0
    listen: ["tcp://127.0.0.1:${port}"]
`, 'tty.yaml');
    const log = await waitFor('fds.py listed its descriptors', () => (/end\r?$/m.test(logOf(h, 'ttyfds')) ? logOf(h, 'ttyfds') : ''));
    assert.match(log, new RegExp(`fd=3 name=ttyfds type=stream addr=\\('127.0.0.1', ${port}\\)`));
  });

  test('a port in use: up refuses the file at its place; taken before a later start, the start fails with its reason; LISTEN_* and NOTIFY_SOCKET given by anyone else never reach a job', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = (busy.address() as net.AddressInfo).port;
    const before = (await h.status()).map((j) => `${j.name} ${j.pid}`);
    try {
      const refused = await h.cli(['up', h.write('busy0.yaml', `programs:\n  taken:\n    command: sleep 1000\n    listen: ["tcp://127.0.0.1:${port}"]\n`)]);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, new RegExp(`busy0\\.yaml:4:13: programs\\.taken\\.listen: tcp://127\\.0\\.0\\.1:${port}: Address already in use \\(another process listens there\\)`));
      assert.deepEqual((await h.status()).map((j) => `${j.name} ${j.pid}`), before, 'nothing of the file was applied');
      // Free at `up`, taken before the program starts: the start fails, saying why.
      await new Promise((r) => busy.close(r));
      await h.up(`programs:
  taken:
    command: sleep 1000
    autostart: false
    listen: ["tcp://127.0.0.1:${port}"]
  envs:
    command: sh -c 'env; sleep 1000'
    env: { LISTEN_FDS: "7", LISTEN_PID: "1", NOTIFY_SOCKET: "@elsewhere" }
    ready: 0
`, 'busy.yaml');
      await new Promise<void>((resolve, reject) => { busy.once('error', reject); busy.listen(port, '127.0.0.1', () => resolve()); });
      await h.cli(['start', 'taken']);
      const j = await h.waitJob('taken', 'fatal', (x) => x.state === 'fatal');
      assert.equal(j.reason, `listen tcp://127.0.0.1:${port}: Address already in use`);
      const env = await waitFor('envs printed its environment', () => (/ PATH=/.test(logOf(h, 'envs')) ? logOf(h, 'envs') : ''));
      assert.doesNotMatch(env, /LISTEN_|NOTIFY_SOCKET/);
    } finally {
      busy.close();
    }
  });

  test('a program moved from 127.0.0.1:P to *:P by up runs on the new address (its old socket is let go first)', async () => {
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', () => resolve()));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    await h.up(`programs:\n  mover:\n    command: sleep 1000\n    listen: ["tcp://127.0.0.1:${port}"]\n`, 'mover.yaml');
    await h.waitJob('mover', 'running', (j) => j.state === 'running');
    const moved = await h.cli(['up', h.write('mover.yaml', `programs:\n  mover:\n    command: sleep 1000\n    listen: ["tcp://*:${port}"]\n`)]);
    assert.equal(moved.code, 0, moved.stderr);
    const j = await h.waitJob('mover', 'running on the new address', (x) => x.state === 'running' || x.state === 'fatal');
    assert.equal(j.state, 'running', j.reason ?? '');
  });

  test('a privileged port for a program run as nobody', async (t) => {
    if (!ROOT) return t.skip('needs root');
    const port = await freeLowPort();
    await h.up(`programs:
  web:
    command: python3 ${FIX}http-server.py
    user: nobody
    cwd: /
    ready: notify
    listen: ["tcp://127.0.0.1:${port}"]
`);
    const j = await h.waitJob('web', 'ready', (x) => x.state === 'running');
    assert.equal(j.user, 'nobody');
    assert.equal((await get(port)).trim(), String(j.pid), 'the nobody process answers on a port below 1024');
  });
});

describe('reload', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('10 reloads of a Python HTTP server under a client that never pauses: no failed request', async () => {
    const port = await freePort();
    await h.up(`programs:
  web:
    command: python3 ${FIX}http-server.py 0.2
    ready: notify
    listen: ["tcp://127.0.0.1:${port}"]
`);
    await h.waitJob('web', 'ready', (j) => j.state === 'running');
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const pids = new Set<string>();
    const client = (async () => {
      while (!stop) {
        try {
          pids.add((await get(port)).trim());
          ok++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    const served: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await h.cli(['reload', 'web', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const [x] = JSON.parse(r.stdout) as { from: { pid: number }; to: { pid: number } }[];
      assert.notEqual(x.to.pid, x.from.pid);
      served.push(x.to.pid);
    }
    stop = true;
    await client;
    console.log(`reload: ${ok} requests during 10 reloads, ${failures.length} failed, answered by ${pids.size} processes`);
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(ok > 50, `the client kept making requests (${ok})`);
    assert.ok(pids.size >= 8, `requests were answered by the successive instances (${pids.size})`);
    const now = (await h.status()).filter((j) => j.name === 'web');
    assert.equal(now.length, 1, 'one instance left');
    assert.equal(now[0].pid, served[served.length - 1]);
  });

  test('a second reload of the same program while one runs is refused', async () => {
    const port = await freePort();
    // A new instance starts its server (and says READY=1) only once this file is gone: the first
    // reload runs until the test has sent the second (a slow start of a fixed time could end
    // first under load).
    const hold = join(h.home, 'hold-ready');
    await h.up(`programs:
  slow:
    command: sh -c 'while [ -e ${hold} ]; do sleep 0.02; done; exec python3 ${FIX}http-server.py'
    ready: notify
    listen: ["tcp://127.0.0.1:${port}"]
`, 'slow.yaml');
    await h.waitJob('slow', 'ready', (j) => j.state === 'running', 15_000);
    writeFileSync(hold, '');
    const first = h.cli(['reload', 'slow']);
    try {
      await h.waitJob('slow', 'the new instance is starting', (j) => j.state === 'starting' && j.pid != null);
      const second = await h.cli(['reload', 'slow']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /reload: slow is being reloaded already/);
    } finally {
      rmSync(hold, { force: true });
    }
    assert.equal((await first).code, 0);
    assert.equal((await h.status()).filter((j) => j.name === 'slow').length, 1);
  });

  test('a new instance that fails leaves the old one serving', async () => {
    const port = await freePort();
    const flag = join(h.home, 'break');
    await h.up(`programs:
  web2:
    command: sh -c 'test -e ${flag} && exit 3; exec python3 ${FIX}http-server.py'
    ready: notify
    restart: never
    listen: ["tcp://127.0.0.1:${port}"]
`);
    const j = await h.waitJob('web2', 'ready', (x) => x.state === 'running');
    writeFileSync(flag, '');
    const r = await h.cli(['reload', 'web2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the new instance ended before it was ready: exit\(3\); the old instance keeps running/);
    assert.equal((await get(port)).trim(), String(j.pid));
  });
});

describe('helper restart', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('after kill -9 of the helper, the listening socket, the notify socket and the store are the new helper\'s', async () => {
    const port = await freePort();
    await h.up(`programs:
  web:
    command: python3 ${FIX}http-server.py
    ready: notify
    listen: ["tcp://127.0.0.1:${port}"]
  memo:
    command: python3 ${FIX}fdstore.py
    ready: notify
    backoff: { initial: 10ms }
`);
    const web = await h.waitJob('web', 'ready', (j) => j.state === 'running');
    const memo = await h.waitJob('memo', 'stored its memo', (j) => j.state === 'running' && /^fresh/.test(j.statusText ?? ''));
    const old = h.helperPid();
    process.kill(old, 'SIGKILL');
    await waitFor('a new helper', () => { try { return h.helperPid() !== old && h.helperPid() > 0; } catch { return false; } });
    assert.equal((await get(port)).trim(), String(web.pid), 'the old process still serves');
    const r = await h.cli(['reload', 'web', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [x] = JSON.parse(r.stdout) as { to: { pid: number } }[];
    assert.equal((await get(port)).trim(), String(x.to.pid), 'the new instance got the same socket from the new helper, and its READY=1 was heard');
    process.kill(memo.pid!, 'SIGKILL');
    const again = await h.waitJob('memo', 'restarted with the memo', (j) => j.pid !== memo.pid && j.state === 'running');
    assert.equal(again.statusText, `restored written by ${memo.pid} (1 stored)`);
  });
});

describe('descriptor store', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('FDSTORE=1 with FDNAME: the descriptor comes back after kill -9 of the program', async () => {
    await h.up(`programs:
  memo:
    command: python3 ${FIX}fdstore.py
    ready: notify
    backoff: { initial: 10ms }
    env: { MEMO_FORGET: ${join(h.home, 'forget')} }
`);
    const first = await h.waitJob('memo', 'ready, memo stored', (j) => j.state === 'running' && /^fresh/.test(j.statusText ?? ''));
    process.kill(first.pid!, 'SIGKILL');
    const again = await h.waitJob('memo', 'restarted with the memo', (j) => j.pid !== first.pid && j.state === 'running');
    assert.equal(again.statusText, `restored written by ${first.pid} (1 stored)`);
    process.kill(again.pid!, 'SIGKILL');
    const third = await h.waitJob('memo', 'restarted again', (j) => j.pid !== again.pid && j.state === 'running');
    assert.equal(third.statusText, `restored written by ${first.pid} (1 stored)`, 'the store outlives any number of restarts');
    writeFileSync(join(h.home, 'forget'), '');
    process.kill(third.pid!, 'SIGKILL');
    const fourth = await h.waitJob('memo', 'restarted, and removed the memo', (j) => j.pid !== third.pid && j.state === 'running');
    assert.equal(fourth.statusText, `forgot written by ${first.pid}`);
    process.kill(fourth.pid!, 'SIGKILL');
    const fifth = await h.waitJob('memo', 'restarted with an empty store', (j) => j.pid !== fourth.pid && j.state === 'running');
    assert.equal(fifth.statusText, `fresh ${fifth.pid}`, 'FDSTOREREMOVE=1 took it out of the store');
  });
});

describe('appinit open', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('an unprivileged user reads a granted root-only file through the passed descriptor; other paths are refused', async (t) => {
    if (!ROOT) return t.skip('needs root and the nobody user');
    const dir = join(h.home, 'data');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'report.txt'), 'granted contents\n', { mode: 0o600 });
    writeFileSync(join(h.home, 'secret.txt'), 'not for nobody\n', { mode: 0o600 });
    symlinkSync(join(h.home, 'secret.txt'), join(dir, 'escape'));
    await h.up(`programs:
  reports:
    command: sleep 1000
    user: nobody
    cwd: /
    grants: [${dir}/]
`);
    chmodSync(h.home, 0o711); // nobody reaches open.sock (mode 0666), nothing else of the home
    const asNobody = (args: string[], input = '') => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args],
      { env: { ...h.env, HOME: '/nonexistent' }, encoding: 'utf8', input });
    assert.notEqual(spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', join(dir, 'report.txt')]).status, 0, 'nobody cannot read it itself');
    const okr = asNobody(['open', join(dir, 'report.txt')]);
    assert.equal(okr.status, 0, okr.stderr);
    assert.equal(okr.stdout, 'granted contents\n');
    const refused = asNobody(['open', join(h.home, 'secret.txt')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /no program's grants: allow uid 65534 to open it/);
    assert.equal(refused.stdout, '');
    const escape = asNobody(['open', join(dir, 'escape')]);
    assert.equal(escape.status, 1);
    assert.match(escape.stderr, /which no grant allows/);
    const w = asNobody(['open', '--write', join(dir, 'report.txt')], 'rewritten\n');
    assert.equal(w.status, 0, w.stderr);
    assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8'), 'rewritten\n');
    const a = asNobody(['open', '--append', join(dir, 'report.txt')], 'more\n');
    assert.equal(a.status, 0, a.stderr);
    assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8'), 'rewritten\nmore\n');
    // The library: root may use any grant; the descriptor is the caller's own.
    const c = await h.api();
    const fd = await c.open(join(dir, 'report.txt'));
    try {
      assert.equal(readFileSync(fd, 'utf8'), 'rewritten\nmore\n');
    } finally {
      closeSync(fd);
    }
    await assert.rejects(c.open('/etc/shadow'), /no program's grants/);
  });
});
