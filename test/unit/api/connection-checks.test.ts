// checkConnectionsWhileOpen (issue 17, idle CPU): node's connection timeout checks run only while
// a connection is open; a sender that stalls in its headers is still cut off at headersTimeout,
// and with no connection left the server keeps no interval that would wake an idle daemon.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkConnectionsWhileOpen } from '../../../src/api/connection-checks.js';

const checking = (server: http.Server): boolean => {
  const sym = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  return sym !== undefined && (server as unknown as Record<symbol, unknown>)[sym] !== undefined;
};

test('the timeout checks run while a connection is open, cut a stalled sender off, and stop with the last connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-conncheck-'));
  const path = join(dir, 'sock');
  const server = http.createServer({ headersTimeout: 300, requestTimeout: 1000, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
  checkConnectionsWhileOpen(server, 50);
  try {
    await new Promise<void>((r) => server.listen(path, r));
    assert.equal(checking(server), false, 'no interval while nobody is connected');
    const sock = net.connect(path);
    await new Promise<void>((r) => sock.once('connect', r));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n'); // the head never ends
    for (let i = 0; i < 100 && !checking(server); i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(checking(server), true, 'checking while a connection is open');
    const t0 = Date.now();
    let answer = '';
    sock.on('data', (d) => { answer += d; });
    await Promise.race([
      new Promise((r) => sock.once('close', r)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the stalled sender was not cut off within 5 s')), 5000)),
    ]);
    assert.ok(Date.now() - t0 < 3000, `cut off after ${Date.now() - t0} ms (headersTimeout 300 ms)`);
    assert.match(answer, /^HTTP\/1\.1 408/);
    for (let i = 0; i < 100 && checking(server); i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(checking(server), false, 'stopped again with the last connection');
    // A plain request still works, and the checks stop again after it.
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: path, path: '/', agent: false, headers: { Connection: 'close' } }, (res) => { let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => resolve(b)); }).on('error', reject);
    });
    assert.equal(body, 'ok');
    for (let i = 0; i < 200 && checking(server); i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(checking(server), false);
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
