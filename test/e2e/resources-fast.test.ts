// The library's kept resource channel (an HTTP Upgrade to appinit-resources on the daemon's
// socket) with a real daemon: the raw protocol answers as the HTTP routes do, and library calls
// that wait on it — a lock held by another process, a receive — survive a kill -9 of the daemon
// and get exactly one answer.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { TestHome, waitFor } from './harness.js';

const node = process.execPath;
const CLIENT = new URL('../../src/client/index.js', import.meta.url).href;

// A process that uses the library: runs `body` (with `c`, a connected client) and prints what it says.
// `exited` is taken at spawn: the process may end while the test still awaits something else,
// and a listener added after its 'exit' would wait forever.
function libraryProcess(h: TestHome, body: string): { p: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const src = `import { connect } from ${JSON.stringify(CLIENT)};
const c = await connect({ home: ${JSON.stringify(h.home)}, autostart: false });
${body}`;
  const p = spawn(node, ['--input-type=module', '-e', src], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return { p, out: () => out, exited };
}

describe('resources: the kept channel', () => {
  const h = new TestHome();
  const children: ChildProcess[] = [];
  after(async () => {
    for (const p of children) if (p.exitCode == null && p.signalCode == null) p.kill('SIGKILL');
    await h.cleanup();
  });
  let c: Client;

  test('raw protocol: a 101, answers by number as the HTTP routes give them, a bad line answered 400', async () => {
    assert.equal((await h.cli(['info'])).code, 0);
    c = await connect({ home: h.home, autostart: false });
    const sock = netConnect(join(h.home, 'appinit.sock'));
    let got = '';
    sock.on('data', (d) => (got += d));
    // The upgrade and two lines in one write: lines sent before the 101 are answered too.
    sock.write('GET /v1/resources/fast HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: appinit-resources\r\n\r\n'
      + `${JSON.stringify({ n: 1, op: 'create', body: { name: 'raw.q', kind: 'queue' } })}\n`
      + `${JSON.stringify({ n: 2, op: 'send', body: { name: 'raw.q', type: 3, data: 'hello' } })}\n`);
    await waitFor('two answers after the 101', async () => got.split('\n').filter((l) => l.startsWith('{')).length === 2, 10_000);
    assert.match(got, /^HTTP\/1\.1 101 /);
    sock.write(`${JSON.stringify({ n: 3, op: 'recv', body: { name: 'raw.q', type: 3 } })}\n${JSON.stringify({ n: 4, op: 'nosuch', body: {} })}\n`
      + `${JSON.stringify({ n: 5, op: 'recv', body: { name: 'raw.q', wait: false } })}\n`);
    await waitFor('five answers', async () => got.split('\n').filter((l) => l.startsWith('{')).length === 5, 10_000);
    const answers = new Map(got.split('\n').filter((l) => l.startsWith('{')).map((l) => {
      const a = JSON.parse(l) as { n: number; status: number; body: Record<string, unknown> };
      return [a.n, a];
    }));
    assert.equal(answers.get(1)!.status, 200);
    assert.equal(answers.get(2)!.status, 200);
    const m = answers.get(3)!.body.message as { type: number; data: string; sender: number };
    assert.deepEqual([answers.get(3)!.status, m.type, m.data, m.sender], [200, 3, 'hello', process.pid], 'the sender is the caller the kernel names');
    assert.equal(answers.get(4)!.status, 400);
    assert.equal((answers.get(5)!.body.error as { code: string }).code, 'no_message');
    sock.destroy();
    // The HTTP routes still answer (the CLI and curl use them).
    const r = await h.cli(['mq', 'raw.q', 'send', 'over http']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await c.queue('raw.q').receiveOne({ nowait: true })).data, 'over http');
  });

  test('a call too large for a line of the channel goes over HTTP; a line over the limit ends the connection', async () => {
    const big = 'x'.repeat(1_500_000);
    await c.queue('big.q').create({ maxBytes: 4_000_000 });
    await c.queue('big.q').send(1, big);
    assert.equal((await c.queue('big.q').receiveOne({ nowait: true })).data.length, big.length);
    const sock = netConnect(join(h.home, 'appinit.sock'));
    sock.on('error', () => {});
    sock.write('GET /v1/resources/fast HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: appinit-resources\r\n\r\n');
    sock.write(`{"n":1,"op":"send","body":{"name":"big.q","data":"${big}`);
    await waitFor('the daemon closes a connection whose line passed 1 MiB', async () => sock.destroyed || sock.readyState === 'closed' || sock.writableEnded || (sock as unknown as { _readableState: { ended: boolean } })._readableState.ended, 10_000);
    sock.destroy();
    assert.equal((await c.queue('big.q').receiveOne({ nowait: true }).catch((e: { code: string }) => e.code)), 'no_message', 'nothing of it was taken as a message');
  });

  test('a library lock waiting while the daemon is killed -9 keeps waiting and is granted once, when the holder ends', async () => {
    const a = libraryProcess(h, `await c.mutex('m').lock(); console.log('A locked'); setInterval(() => {}, 1000);`);
    children.push(a.p);
    await waitFor('A holds m', async () => a.out().includes('A locked'), 20_000);
    const b = libraryProcess(h, `await c.mutex('m').lock(); console.log('B locked'); setTimeout(() => process.exit(0), 300);`);
    children.push(b.p);
    const waiters = async () => (await c.resources()).resources.find((r) => r.name === 'm')?.waiters.length;
    await waitFor('B waits for m', async () => (await waiters()) === 1, 20_000);
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    assert.equal((await h.cli(['info'])).code, 0, 'a new daemon');
    c = await connect({ home: h.home, autostart: false });
    await waitFor('B waits for m again', async () => (await waiters()) === 1, 20_000);
    assert.doesNotMatch(b.out(), /B locked/, 'B is not granted while A holds m');
    a.p.kill('SIGKILL');
    const code = await b.exited;
    assert.equal(code, 0, b.out());
    assert.equal(b.out().match(/B locked/g)?.length, 1, b.out());
  });

  test('a library receive waiting while the daemon is killed -9 gets exactly one message', async () => {
    await c.queue('jobs').create();
    const r = libraryProcess(h, `const m = await c.queue('jobs').receiveOne(); console.log('got ' + m.data); process.exit(0);`);
    children.push(r.p);
    const waiters = async () => (await c.resources()).resources.find((x) => x.name === 'jobs')?.waiters.length;
    await waitFor('the receive waits', async () => (await waiters()) === 1, 20_000);
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    assert.equal((await h.cli(['info'])).code, 0, 'a new daemon');
    c = await connect({ home: h.home, autostart: false });
    await waitFor('the receive waits again', async () => (await waiters()) === 1, 20_000);
    await c.queue('jobs').send(1, 'one');
    await c.queue('jobs').send(1, 'two');
    assert.equal(await r.exited, 0, r.out());
    assert.equal(r.out(), 'got one\n');
    assert.equal((await c.queue('jobs').receiveOne({ nowait: true })).data, 'two', 'the second message is still there');
  });
});
