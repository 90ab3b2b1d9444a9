// A log of hundreds of MB: `logs -n 100000000 | wc -l` gets every line, the daemon's memory does
// not follow the log's size, and other requests are answered while it streams.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeBigLog } from '../fixtures/biglog.js';
import { CLI, TestHome } from './harness.js';

const MB = 300;

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe('a log of hundreds of MB', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test(`logs -n 100000000 over ${MB} MB: every line, bounded daemon memory, status answered meanwhile`, async (t) => {
    assert.equal((await h.cli(['info'])).code, 0);
    const lines = writeBigLog(join(h.home, 'logs', 'big'), MB);
    const c = await h.api();
    await c.status();
    const pid = h.daemonPid();
    const before = rssKiB(pid);
    let peak = before;
    const t0 = Date.now();
    const reader = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" logs big -n 100000000 | wc -l`], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    reader.stdout.on('data', (d) => (out += d));
    reader.stderr.on('data', (d) => (err += d));
    let finished = false;
    const done = new Promise<number | null>((resolve) => reader.on('close', (code) => { finished = true; resolve(code); }));
    let answered = 0;
    let slowest = 0;
    while (!finished) {
      const s = performance.now();
      await c.status();
      const dt = performance.now() - s;
      if (!finished) {
        answered++;
        slowest = Math.max(slowest, dt);
      }
      peak = Math.max(peak, rssKiB(pid));
      await new Promise((r) => setTimeout(r, 20)); // sampling pace, not a wait for an event
    }
    const secs = (Date.now() - t0) / 1000;
    assert.equal(await done, 0, err);
    assert.equal(Number(out.trim()), lines, 'wc -l counted every line');
    t.diagnostic(`${lines} lines, ${MB} MB in ${secs.toFixed(1)} s; daemon RSS ${Math.round(before / 1024)} -> peak ${Math.round(peak / 1024)} MiB; ${answered} status answers meanwhile, slowest ${slowest.toFixed(0)} ms`);
    assert.ok(answered >= 3, `status was answered ${answered} times while the read went on`);
    assert.ok(peak - before < 100 * 1024, `daemon RSS grew ${Math.round((peak - before) / 1024)} MiB reading ${MB} MB`);
  });
});
