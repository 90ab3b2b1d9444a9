// Health checks end to end: a real HTTP server program that turns unhealthy on SIGUSR1,
// checked by a real daemon; unhealthy restarts it by its policy, healthy again clears it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

const SERVER = fileURLToPath(new URL('../../../test/fixtures/health-server.mjs', import.meta.url));

/** A TCP port free now (the kernel's choice), for the server to listen on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function program(name: string, port: number, restart: string, clean = false): string {
  return `  ${name}:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVER)}, "${port}"${clean ? ', clean' : ''}]
    restart: ${restart}
    ready: 500ms
    backoff: { initial: 300ms }
    stop: { timeout: 2s }
    health: { http: "http://127.0.0.1:${port}/health", every: 150ms, timeout: 1s, failures: 3 }
`;
}

describe('health checks', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  let ports: number[] = [];

  test('a healthy server shows healthy; unhealthy restarts it by its policy, with the reason', async () => {
    ports = [await freePort(), await freePort(), await freePort()];
    await h.up(`programs:\n${program('web', ports[0], 'always')}${program('keep', ports[1], 'never')}${program('tidy', ports[2], 'on-failure', true)}`);
    const j = await h.waitJob('web', 'healthy', (j) => j.health?.status === 'healthy', 30_000);
    // (On a loaded machine the server may take longer to listen than three checks: count from here.)
    const before = j.restarts;
    const r = await h.cli(['signal', 'USR1', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const again = await h.waitJob('web', 'restarted once and healthy again', (x) => x.restarts > before && x.pid !== j.pid && x.health?.status === 'healthy', 30_000);
    assert.equal(again.lastExit?.text, 'signal 15 (TERM)', 'ended with its stop signal');
    const log = readFileSync(`${h.home}/daemon.log`, 'utf8');
    assert.match(log, new RegExp(`web %${j.job}: unhealthy: 3 health checks failed in a row, the last: http://127.0.0.1:${ports[0]}/health: HTTP 503; sending SIGTERM`));
  });

  test('on-failure: a server that exits 0 on TERM is still restarted (it was ended for a failure)', async () => {
    const j = await h.waitJob('tidy', 'healthy', (j) => j.health?.status === 'healthy', 30_000);
    await h.cli(['signal', 'USR1', 'tidy']);
    const said = new RegExp(`tidy %${j.job}: ended cleanly after being stopped for a failure; starting it again`);
    await waitFor('the daemon log says tidy ended cleanly and is started again', () => said.test(readFileSync(`${h.home}/daemon.log`, 'utf8')), 30_000);
    const again = await h.waitJob('tidy', 'running again, healthy', (x) => x.pid !== j.pid && x.health?.status === 'healthy', 30_000);
    assert.match(again.reason ?? '', /^unhealthy: 3 health checks failed in a row/);
  });

  test('with restart: never it keeps running, shown unhealthy; passing again clears it', async () => {
    const j = await h.waitJob('keep', 'healthy', (j) => j.health?.status === 'healthy', 30_000);
    await h.cli(['signal', 'USR1', 'keep']);
    const sick = await h.waitJob('keep', 'unhealthy', (x) => x.health?.status === 'unhealthy');
    assert.equal(sick.pid, j.pid, 'not restarted');
    assert.equal(sick.state, 'running');
    const table = (await h.cli(['status'])).stdout;
    assert.match(table, /keep .* running\(unhealthy\)/, table);
    assert.match(table, new RegExp(`keep: unhealthy: http://127.0.0.1:${ports[1]}/health: HTTP 503`), table);
    await h.cli(['signal', 'USR2', 'keep']);
    const well = await h.waitJob('keep', 'healthy again', (x) => x.health?.status === 'healthy');
    assert.equal(well.pid, j.pid);
    assert.equal(well.health?.failures, 0);
  });

  test('checks stop with the job: a stopped job has no health', async () => {
    const r = await h.cli(['stop', 'keep']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('keep stopped with no health', async () => (await h.status()).find((x) => x.name === 'keep' && x.state === 'stopped' && x.health === null));
  });
});
