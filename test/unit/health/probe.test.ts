// Probes against real endpoints: a local HTTP server, a closed port, commands run without a shell.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { HealthCheck } from '../../../src/config/program.js';
import { probe } from '../../../src/core/health/probe.js';
import { runBounded } from '../../../src/os/run-bounded.js';

/** True while pid exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

const ctx = { cwd: '/', env: process.env };
const check = (kind: HealthCheck['kind'], target: string | string[], timeout = 1000): HealthCheck => ({ kind, target, every: 1000, timeout, failures: 3 });

let server: http.Server;
let port = 0;
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    res.writeHead(req.url === '/ok' ? 200 : 500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => { server.closeAllConnections(); server.close(); });

test('http: 2xx is healthy, 5xx is not, no answer within the timeout is not', async () => {
  assert.deepEqual(await probe(check('http', `http://127.0.0.1:${port}/ok`), ctx), { ok: true, detail: 'HTTP 200' });
  assert.deepEqual(await probe(check('http', `http://127.0.0.1:${port}/bad`), ctx), { ok: false, detail: `http://127.0.0.1:${port}/bad: HTTP 500` });
  const slow = await probe(check('http', `http://127.0.0.1:${port}/slow`, 150), ctx);
  assert.deepEqual(slow, { ok: false, detail: `http://127.0.0.1:${port}/slow: no answer within 150 ms` });
});

test('tcp: a listening port is healthy; a closed one is refused', async () => {
  assert.equal((await probe(check('tcp', String(port)), ctx)).ok, true);
  const closed = await new Promise<number>((r) => { const s = http.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => r(p)); }); });
  assert.deepEqual(await probe(check('tcp', `127.0.0.1:${closed}`), ctx), { ok: false, detail: `tcp 127.0.0.1:${closed}: connection refused` });
});

test('exec: exit 0 is healthy; the command runs without a shell', async () => {
  assert.deepEqual(await probe(check('exec', ['true']), ctx), { ok: true, detail: 'exit 0' });
  // With a shell, `$(exit 0)` would be expanded; without one, test sees a non-empty string and a literal "=".
  const r = await probe(check('exec', ['sh', '-c', 'echo "$0"; exit 3', '$(exit 0)']), ctx);
  assert.deepEqual(r, { ok: false, detail: 'sh -c echo "$0"; exit 3 $(exit 0): exit 3 ($(exit 0))' });
  assert.deepEqual(await probe(check('exec', ['appinit-no-such-command']), ctx), { ok: false, detail: 'appinit-no-such-command: command not found: appinit-no-such-command' });
});

test('exec: a command past its timeout is killed with everything it started', async () => {
  const r = await probe(check('exec', ['sh', '-c', 'sleep 30 & wait'], 150), ctx);
  assert.deepEqual(r, { ok: false, detail: 'sh -c sleep 30 & wait: still running after 150 ms (killed)' });
  const b = await runBounded(['sh', '-c', 'sleep 30 & echo $!; wait'], { cwd: '/', env: process.env, timeoutMs: 150 });
  assert.equal(b.timedOut, true);
  const child = Number(b.output);
  assert.ok(child > 0, `the background sleep's pid, got ${JSON.stringify(b.output)}`);
  // Its pipes close (which ends runBounded) early in its exit, before it becomes a zombie: give
  // the exit the moment it takes, bounded.
  const until = Date.now() + 2000;
  while (running(child) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  assert.equal(running(child), false, 'the sleep the check started is gone too (or a zombie waiting for init) within 2 s');
});
