// The library's kept resource channel against small servers on a real Unix socket: a daemon
// that refuses the upgrade (older than the channel) is reached over HTTP instead, and a call
// whose connection ends before its answer is re-sent with the same id (not marked fresh).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '../../../src/client/index.js';
import { unixTransport } from '../../../src/client/transport.js';

const dir = mkdtempSync(join(tmpdir(), 'appinit-fast-'));
let k = 0;

// An HTTP server on a fresh socket path; onUpgrade gets each upgrade.
async function server(onRequest: http.RequestListener, onUpgrade: (req: http.IncomingMessage, sock: Socket) => void): Promise<{ path: string; close: () => Promise<void> }> {
  const path = join(dir, `s${k++}.sock`);
  const s = http.createServer(onRequest);
  const socks = new Set<Socket>();
  s.on('upgrade', (req, sock: Socket) => {
    socks.add(sock);
    onUpgrade(req, sock);
  });
  await new Promise<void>((r) => s.listen(path, r));
  return { path, close: () => new Promise((r) => { for (const x of socks) x.destroy(); s.closeAllConnections(); s.close(() => r()); }) };
}

describe('client: the kept resource channel', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a daemon that answers the upgrade with 404 is reached over HTTP', async () => {
    const posts: { path: string; body: Record<string, unknown> }[] = [];
    let upgrades = 0;
    const s = await server((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, value: 0 }));
      });
    }, (_req, sock) => {
      upgrades++;
      sock.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    try {
      const c = new Client(unixTransport(s.path), dir, s.path, true);
      await c.mutex('db').lock();
      await c.mutex('db').unlock();
      assert.equal(upgrades, 1, 'asked once, then HTTP for a while');
      assert.deepEqual(posts.map((p) => p.path), ['/v1/resources/semop', '/v1/resources/semop']);
      assert.equal(posts[0].body.fresh, undefined, 'over HTTP the daemon always looks for an earlier answer');
      assert.match(String(posts[0].body.id), /^[0-9a-z]{9}-[0-9a-f-]{36}$/);
    } finally {
      await s.close();
    }
  });

  test('a call whose connection ends before the answer is re-sent once with the same id, not fresh', async () => {
    const frames: { n: number; op: string; body: Record<string, unknown> }[] = [];
    let conns = 0;
    const s = await server((_req, res) => res.writeHead(500).end(), (_req, sock) => {
      const mine = ++conns;
      sock.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: appinit-resources\r\nconnection: Upgrade\r\n\r\n');
      let tail = '';
      sock.on('data', (d) => {
        tail += d;
        for (let nl = tail.indexOf('\n'); nl >= 0; nl = tail.indexOf('\n')) {
          const f = JSON.parse(tail.slice(0, nl)) as (typeof frames)[number];
          tail = tail.slice(nl + 1);
          frames.push(f);
          // The first connection dies with the call unanswered, as a daemon killed -9 does.
          if (mine === 1) sock.destroy();
          else sock.write(`${JSON.stringify({ n: f.n, status: 200, body: { ok: true, message: { type: 1, data: 'one', sender: 9 } } })}\n`);
        }
      });
    });
    try {
      const c = new Client(unixTransport(s.path), dir, s.path, true);
      const m = await c.queue('jobs').receiveOne();
      assert.deepEqual(m, { type: 1, data: 'one', sender: 9 });
      assert.equal(frames.length, 2, JSON.stringify(frames));
      assert.equal(conns, 2);
      assert.deepEqual(frames.map((f) => f.op), ['recv', 'recv']);
      assert.equal(frames[0].body.id, frames[1].body.id, 'the same id both times');
      assert.equal(frames[0].body.fresh, true);
      assert.equal(frames[1].body.fresh, undefined, 'a re-sent call is not fresh: the daemon looks for its earlier answer');
    } finally {
      await s.close();
    }
  });
});
