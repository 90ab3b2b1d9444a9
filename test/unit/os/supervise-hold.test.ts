// Supervise.hold (issue 17): what is written to the helper while a hold lasts leaves in one
// write when it ends, not before; after it, writes go out at once again. A real unix socket
// stands in for the helper.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Supervise } from '../../../src/os/supervise.js';

test('frames written during a hold leave together at its end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-hold-'));
  const path = join(dir, 'sock');
  const got: { at: number; bytes: number }[] = [];
  const server = net.createServer((c) => c.on('data', (d) => got.push({ at: Date.now(), bytes: d.length })));
  await new Promise<void>((r) => server.listen(path, r));
  const client = net.connect(path);
  await new Promise<void>((r) => client.once('connect', r));
  const s = new Supervise(path, join(dir, 'pid'), join(dir, 'log'));
  (s as unknown as { sock: net.Socket }).sock = client; // as open() would after connecting
  try {
    const t0 = Date.now();
    s.hold(200);
    s.requestStats();
    s.flush(); // the end of a transaction's effects: still held
    await new Promise((r) => setTimeout(r, 100));
    s.requestStats();
    assert.equal(got.length, 0, 'nothing left during the hold');
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 1, 'both frames in one write');
    assert.ok(got[0].at >= t0 + 200, `released at the end of the hold, not ${got[0].at - t0} ms after it began`);
    const before = got.reduce((n, g) => n + g.bytes, 0);
    s.requestStats();
    for (let i = 0; i < 100 && got.reduce((n, g) => n + g.bytes, 0) === before; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(got.reduce((n, g) => n + g.bytes, 0) > before, 'after the hold, a frame leaves without waiting');
    assert.ok(got.at(-1)!.at - t0 < 1000);
  } finally {
    client.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
