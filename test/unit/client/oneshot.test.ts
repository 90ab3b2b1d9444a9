// One request over its own connection, HTTP written by hand: checked against node's own server
// (content-length and chunked answers, a body, an answer cut short).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requestOnce } from '../../../src/client/oneshot.js';

describe('requestOnce', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-oneshot-'));
  const sock = join(dir, 's.sock');
  const cut = join(dir, 'cut.sock');
  let server: http.Server;
  let liar: net.Server;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/slow') {
          // Answers later, as `stop` or `wait` do: the request must still be there to answer.
          setTimeout(() => res.end('{"slow":true}'), 150);
        } else if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write('{"a":');
          res.write('"é".repeat(3)}'.replace('"é".repeat(3)', JSON.stringify('é'.repeat(70_000))));
          res.end();
        } else {
          const text = JSON.stringify({ method: req.method, url: req.url, body });
          res.writeHead(404, { 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }
      });
    });
    // Announces 100 bytes, sends 5, closes.
    liar = net.createServer((c) => c.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    await Promise.all([new Promise((r) => server.listen(sock, () => r(null))), new Promise((r) => liar.listen(cut, () => r(null)))]);
  });
  after(() => {
    server.close();
    liar.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a request with a body; the status and body of the answer', async () => {
    const r = await requestOnce(sock, 'POST', '/v1/x?y=1', '{"k":"v"}');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body.toString()), { method: 'POST', url: '/v1/x?y=1', body: '{"k":"v"}' });
  });

  test('a slow answer still reaches the caller (the connection is not half-closed under it)', async () => {
    const r = await requestOnce(sock, 'POST', '/slow', '{}');
    assert.deepEqual([r.status, JSON.parse(r.body.toString())], [200, { slow: true }]);
  });

  test('a chunked answer is put back together (multi-byte characters across chunks)', async () => {
    const r = await requestOnce(sock, 'GET', '/chunked');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString('utf8')).a, 'é'.repeat(70_000));
  });

  test('an answer shorter than announced is an error, not a truncated body', async () => {
    await assert.rejects(requestOnce(cut, 'GET', '/'), /cut short \(short body: 5 of 100 bytes\)/);
  });

  test('a connection closed before any answer is ECONNRESET (a waiting caller tries again)', async () => {
    const mute = join(dir, 'mute.sock');
    const srv = net.createServer((c) => c.once('data', () => c.end())); // reads the request, dies without answering
    await new Promise((r) => srv.listen(mute, () => r(null)));
    try {
      await assert.rejects(requestOnce(mute, 'GET', '/'), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
    } finally {
      srv.close();
    }
  });

  test('no daemon: the connect error, with its code', async () => {
    await assert.rejects(requestOnce(join(dir, 'none.sock'), 'GET', '/'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});
