// Kept-alive connections written by hand (client/kept.ts), checked against node's own server:
// reuse, calls at once on connections of their own, a connection the server closed while idle,
// answers cut short, chunked and `Connection: close` answers, and a program left with an idle
// connection still exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeptConnections } from '../../../src/client/kept.js';

describe('KeptConnections', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-kept-'));
  const sock = join(dir, 's.sock');
  let server: http.Server;
  let connections = 0;
  let open = 0; // connections open now, and the most at once
  let maxOpen = 0;
  let requests = 0;
  const holds = new Map<string, () => void>(); // /hold/NAME answers when released
  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const answer = (text: string, headers: http.OutgoingHttpHeaders = {}) => {
          res.writeHead(200, { 'content-length': Buffer.byteLength(text), ...headers });
          res.end(text);
        };
        if (req.url?.startsWith('/hold/')) holds.set(req.url.slice(6), () => answer(JSON.stringify({ held: req.url })));
        else if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write('{"a":');
          res.end(`${JSON.stringify('é'.repeat(70_000))}}`);
        } else if (req.url === '/close') answer('{"closing":true}', { connection: 'close' });
        else if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
        } else if (req.url === '/cut') {
          res.writeHead(200, { 'content-length': 100 });
          res.write('short');
          setImmediate(() => res.socket?.destroy());
        } else answer(JSON.stringify({ method: req.method, url: req.url, body }));
      });
    });
    server.on('connection', (sock) => {
      connections++;
      open++;
      maxOpen = Math.max(maxOpen, open);
      sock.on('close', () => open--);
    });
    await new Promise((r) => server.listen(sock, () => r(null)));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('calls one after another share one connection; a body and the answer', async () => {
    const pool = new KeptConnections(sock);
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const r = await pool.request('POST', `/x?i=${i}`, `{"i":${i}}`);
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body.toString()), { method: 'POST', url: `/x?i=${i}`, body: `{"i":${i}}` });
    }
    assert.equal(connections - before, 1, 'five calls in a row over one connection');
  });

  test('calls at once each get a connection: a long call holds up no other', async () => {
    const pool = new KeptConnections(sock);
    const long = pool.request('POST', '/hold/a');
    // Meanwhile, other calls are answered.
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await pool.request('GET', `/y${i}`)).body.toString()).url, `/y${i}`);
    const until = Date.now() + 20_000;
    while (!holds.has('a') && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.ok(holds.has('a'), 'the long call reached the server');
    holds.get('a')!();
    assert.deepEqual(JSON.parse((await long).body.toString()), { held: '/hold/a' });
    const all = await Promise.all([1, 2, 3, 4].map((i) => pool.request('GET', `/z${i}`)));
    assert.deepEqual(all.map((r) => JSON.parse(r.body.toString()).url), ['/z1', '/z2', '/z3', '/z4']);
  });

  test('2,000 calls at once: all answered, over at most 32 connections at a time', async () => {
    const pool = new KeptConnections(sock);
    const before = open;
    maxOpen = open;
    const all = await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.request('GET', `/many/${i}`)));
    assert.deepEqual(all.map((r) => JSON.parse(r.body.toString()).url), Array.from({ length: 2000 }, (_, i) => `/many/${i}`));
    assert.ok(maxOpen - before <= 32, `at most 32 connections of this pool at once, saw ${maxOpen - before}`);
    assert.ok(maxOpen - before > 1, 'calls at once went over several connections');
  });

  test('a kept connection the server closed while this event loop was blocked: the call goes again on a new one', async () => {
    const pool = new KeptConnections(sock);
    server.keepAliveTimeout = 100;
    try {
      await pool.request('GET', '/first');
      const before = connections;
      const requestsBefore = requests;
      // Blocked: the server's close is not seen until the next write.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      const r = await pool.request('POST', '/again', '{}');
      assert.equal(JSON.parse(r.body.toString()).url, '/again');
      assert.equal(connections - before, 1, 'one new connection');
      assert.equal(requests - requestsBefore, 1, 'the request reached the server once');
    } finally {
      server.keepAliveTimeout = 5000;
    }
  });

  test('an answer cut short is an error (not sent again), and the connection is not reused', async () => {
    const pool = new KeptConnections(sock);
    await pool.request('GET', '/warm'); // the next call goes on a reused connection
    const requestsBefore = requests;
    await assert.rejects(pool.request('POST', '/cut', '{}'), /cut short \(short body: 5 of 100 bytes\)/);
    assert.equal(requests - requestsBefore, 1, 'a call that reached the server is not sent twice');
    assert.equal(JSON.parse((await pool.request('GET', '/after')).body.toString()).url, '/after');
  });

  test('chunked, `Connection: close` and 204 answers', async () => {
    const pool = new KeptConnections(sock);
    const c = await pool.request('GET', '/chunked');
    assert.equal(JSON.parse(c.body.toString('utf8')).a, 'é'.repeat(70_000));
    assert.equal((await pool.request('GET', '/empty')).status, 204);
    assert.deepEqual(JSON.parse((await pool.request('GET', '/close')).body.toString()), { closing: true });
    const before = connections;
    assert.equal(JSON.parse((await pool.request('GET', '/next')).body.toString()).url, '/next');
    assert.equal(connections - before, 1, 'after `Connection: close`, a new connection');
  });

  test('a server that reads the request and closes: ECONNRESET; no server: the connect error', async () => {
    const mute = join(dir, 'mute.sock');
    const srv = net.createServer((c) => c.once('data', () => c.end()));
    await new Promise((r) => srv.listen(mute, () => r(null)));
    try {
      await assert.rejects(new KeptConnections(mute).request('GET', '/'), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
    } finally {
      srv.close();
    }
    await assert.rejects(new KeptConnections(join(dir, 'none.sock')).request('GET', '/'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });

  test('a program left with an idle kept connection exits by itself', async () => {
    const kept = fileURLToPath(new URL('../../../src/client/kept.js', import.meta.url));
    const script = `const { KeptConnections } = await import(${JSON.stringify(kept)});
      const r = await new KeptConnections(${JSON.stringify(sock)}).request('GET', '/bye');
      console.log(JSON.parse(r.body.toString()).url);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 20_000);
      child.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 0, 'the program ended on its own within 20 s (the idle connection is unref\'d)');
    assert.equal(out.trim(), '/bye');
  });
});
