// `appinit web` and the dashboard's HTTP rules, without a browser: loopback by default, another
// address only with TLS or --insecure; tokens in a 0600 file; the cookie login; changes need the
// operator role, the page's header and a same-origin Origin; /metrics with a bearer token; the
// daemon serves again where it did after a restart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { TestHome, waitFor } from './harness.js';

interface WebJson { url: string; listen: string; tokens: { operator: string; viewer: string; metrics: string } }

describe('appinit web: serving and access', () => {
  const h = new TestHome('appinit-websrv-');
  let web: WebJson;
  let base: string;
  const req = (path: string, init: RequestInit = {}) => fetch(base + path, init);
  const running = async () => (await h.status()).find((j) => j.name === 'napper')?.state;

  before(async () => {
    await h.up('programs:\n  napper:\n    command: sleep 1000\n');
    await h.waitJob('napper', 'running', (j) => j.state === 'running');
  });
  after(() => h.cleanup());

  test('another address than loopback is refused without TLS or --insecure, and nothing listens', async () => {
    const r = await h.cli(['web', '--listen', '0.0.0.0:0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /reachable from other machines.*cert and key.*--insecure/);
    assert.equal(existsSync(join(h.home, 'web.json')), false, 'no address was remembered');
    const g = await h.cli(['web', '--listen', 'nonsense']);
    assert.match(g.stderr, /listen: expected HOST:PORT/);
  });

  test('appinit web --json: url with the token in the fragment, listen, tokens; the token file is 0600', async () => {
    const r = await h.cli(['web', '--listen', '127.0.0.1:0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    web = JSON.parse(r.stdout) as WebJson;
    assert.match(web.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal(web.url, `http://${web.listen}/#token=${web.tokens.operator}`);
    base = `http://${web.listen}`;
    assert.equal(statSync(join(h.home, 'web-tokens.json')).mode & 0o777, 0o600);
    // Asked again without an address: the same listener, the same tokens.
    const again = JSON.parse((await h.cli(['web', '--json'])).stdout) as WebJson;
    assert.deepEqual(again, web);
    const plain = await h.cli(['web']);
    assert.equal(plain.stdout.trim(), web.url, 'without --json: the URL alone on stdout');
  });

  test('the page is served compressed; the API needs a token', async () => {
    const page = await req('/', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    assert.equal((await req('/api/v1/status')).status, 401);
    assert.equal((await req('/api/v1/status', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const v = await req('/api/v1/status', { headers: { authorization: `Bearer ${web.tokens.viewer}` } });
    assert.equal(v.status, 200);
    assert.deepEqual(((await v.json()) as { name: string }[]).map((j) => j.name), ['napper']);
  });

  test('a viewer cannot change anything; the metrics token reads /metrics only', async () => {
    const r = await req('/api/v1/stop', { method: 'POST', headers: { authorization: `Bearer ${web.tokens.viewer}`, 'content-type': 'application/json' }, body: '{"names":["napper"]}' });
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /read-only/);
    assert.equal(await running(), 'running');
    assert.equal((await req('/api/v1/status', { headers: { authorization: `Bearer ${web.tokens.metrics}` } })).status, 403);
    const m = await req('/metrics', { headers: { authorization: `Bearer ${web.tokens.metrics}` } });
    assert.equal(m.status, 200);
    assert.match(await m.text(), /^appinit_program_up\{program="napper",instance="0",job="1"\} 1$/m);
    assert.equal((await req('/metrics')).status, 401);
    // No token reads the tokens through the dashboard (a viewer read the operator's there), and
    // no resource is taken through it (every user's lock was held by the daemon's own pid).
    for (const token of [web.tokens.viewer, web.tokens.operator]) {
      const t = await req('/api/v1/web', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(t.status, 403);
      assert.doesNotMatch(await t.text(), new RegExp(web.tokens.operator));
    }
    const lock = await req('/api/v1/resources/semop', { method: 'POST', headers: { authorization: `Bearer ${web.tokens.operator}`, 'content-type': 'application/json', 'x-appinit-web': '1' }, body: '{"ops":[{"name":"m","op":"P"}],"create":"mutex"}' });
    assert.equal(lock.status, 403);
    assert.match(((await lock.json()) as { error: { message: string } }).error.message, /taken and given by a process/);
  });

  test('cookie login: HttpOnly SameSite=Strict; a change needs the page\'s header and this origin', async () => {
    const form = await req('/login', { method: 'POST', body: JSON.stringify({ token: web.tokens.operator }) });
    assert.equal(form.status, 403, 'a login without the page\'s header (a cross-site form) is refused');
    const bad = await req('/login', { method: 'POST', headers: { 'x-appinit-web': '1' }, body: JSON.stringify({ token: 'nope' }) });
    assert.equal(bad.status, 401);
    const login = await req('/login', { method: 'POST', headers: { 'x-appinit-web': '1' }, body: JSON.stringify({ token: web.tokens.operator }) });
    assert.equal(login.status, 200);
    const set = login.headers.get('set-cookie') ?? '';
    assert.match(set, /^appinit_web=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = set.split(';')[0];
    const stop = (headers: Record<string, string>) => req('/api/v1/stop', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{"names":["napper"]}' });
    const noHeader = await stop({});
    assert.equal(noHeader.status, 403, 'a cross-site form (no custom header) is refused');
    const otherOrigin = await stop({ 'x-appinit-web': '1', origin: 'http://evil.example' });
    assert.equal(otherOrigin.status, 403, 'another origin is refused');
    assert.equal(await running(), 'running', 'nothing changed');
    const ok = await stop({ 'x-appinit-web': '1', origin: base });
    assert.equal(ok.status, 200);
    assert.equal(await running(), 'stopped');
    const start = await req('/api/v1/start', { method: 'POST', headers: { cookie, 'x-appinit-web': '1', 'content-type': 'application/json' }, body: '{"names":["napper"]}' });
    assert.equal(start.status, 200);
  });

  test('WebSockets: the live table for a logged-in page; another origin refused', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://${web.listen}/ws/live`, { headers: { authorization: `Bearer ${web.tokens.viewer}`, origin: 'http://evil.example' } });
      ws.on('unexpected-response', (_q, r) => { resolve(r.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => undefined);
    });
    assert.equal(refused, 403);
    const first = await new Promise<{ type: string; jobs: { name: string; state: string }[] }>((resolve, reject) => {
      const ws = new WebSocket(`ws://${web.listen}/ws/live`, { headers: { authorization: `Bearer ${web.tokens.viewer}` } });
      ws.on('message', (d) => { resolve(JSON.parse(String(d))); ws.close(); });
      ws.on('error', reject);
    });
    assert.equal(first.type, 'jobs');
    assert.deepEqual(first.jobs.map((j) => j.name), ['napper']);
    // A viewer gets no terminal.
    const term = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://${web.listen}/ws/term?id=1`, { headers: { authorization: `Bearer ${web.tokens.viewer}` } });
      ws.on('unexpected-response', (_q, r) => { resolve(r.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => undefined);
    });
    assert.equal(term, 403);
  });

  test('after a daemon restart it serves again on the same address, with the same tokens', async () => {
    assert.equal((await h.cli(['down'])).code, 0);
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0); // starts the daemon again
    await waitFor('the dashboard listening again', async () => (await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${web.tokens.viewer}` } })).status === 200);
  });

  test('TLS: cert and key make a non-loopback address acceptable, served over HTTPS', async () => {
    const cert = join(h.home, 'cert.pem');
    const key = join(h.home, 'key.pem');
    const g = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    const r = await h.cli(['web', '--listen', '0.0.0.0:0', '--cert', cert, '--key', key, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const w = JSON.parse(r.stdout) as WebJson;
    assert.match(w.url, /^https:\/\//);
    const port = Number(w.listen.split(':').pop());
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/metrics', rejectUnauthorized: false, headers: { authorization: `Bearer ${w.tokens.metrics}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    assert.equal(status, 200);
    // Back to loopback, where the plain listener is allowed again.
    assert.equal((await h.cli(['web', '--listen', '127.0.0.1:0'])).code, 0);
  });
});

describe('web: in the control file', () => {
  const h = new TestHome('appinit-webcf-');
  after(() => h.cleanup());

  test('a non-loopback address without TLS is an error at file:line:col and nothing changes', async () => {
    const r = await h.cli(['up', h.write('bad.yaml', 'programs:\n  a:\n    command: sleep 100\nweb:\n  listen: 0.0.0.0:8181\n')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bad\.yaml:5:11: .*reachable from other machines.*insecure: true/);
    assert.equal((await h.status()).length, 0, 'no program was loaded');
    const typo = await h.cli(['up', h.write('typo.yaml', 'programs:\n  a:\n    command: sleep 100\nweb:\n  lisen: 127.0.0.1:1\n')]);
    assert.match(typo.stderr, /typo\.yaml:5:3: .*lisen/);
  });

  test('web: { listen } makes `up` serve there; appinit web then reports it', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await h.up(`programs:\n  a:\n    command: sleep 100\nweb:\n  listen: 127.0.0.1:${port}\n`);
    const w = JSON.parse((await h.cli(['web', '--json'])).stdout) as WebJson;
    assert.equal(w.listen, `127.0.0.1:${port}`);
    const r = await fetch(`http://${w.listen}/api/v1/status`, { headers: { authorization: `Bearer ${w.tokens.viewer}` } });
    assert.equal(r.status, 200);
  });
});

describe('appinit daemon FILE with web:', () => {
  const h = new TestHome('appinit-webfg-');
  after(() => h.cleanup());

  test('the foreground daemon serves where the file says', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const file = h.write('app.yaml', `programs:\n  a:\n    command: sleep 100\nweb:\n  listen: 127.0.0.1:${port}\n`);
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./harness.js');
    const d = spawn(process.execPath, [CLI, 'daemon', file], { env: h.env, stdio: 'ignore' });
    const ended = new Promise<void>((resolve) => d.on('exit', () => resolve()));
    try {
      await waitFor(`the dashboard on port ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/whoami`).catch(() => null))?.status === 401, 20_000, 100);
    } finally {
      d.kill('SIGTERM');
      await ended;
    }
  });
});

describe('two users on one dashboard: each sees what the API lets them see', () => {
  const h = new TestHome('appinit-web2u-');
  const OTHER = `apw${process.pid % 100000}`;
  let uid = -1;
  after(async () => {
    await h.cleanup();
    if (uid >= 0) spawnSync('userdel', [OTHER]);
  });

  test('the other user\'s token sees only their job, and cannot stop root\'s', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to create a user');
    const add = spawnSync('useradd', ['-M', '-N', '-r', '-s', '/usr/sbin/nologin', OTHER], { encoding: 'utf8' });
    if (add.status !== 0) return t.skip(`useradd: ${add.stderr}`);
    uid = Number(spawnSync('id', ['-u', OTHER], { encoding: 'utf8' }).stdout.trim());
    await h.up('programs:\n  rootjob:\n    command: sleep 1000\n');
    const web = JSON.parse((await h.cli(['web', '--listen', '127.0.0.1:0', '--json'])).stdout) as WebJson;
    // The other user's tokens, as `appinit web` would make them for that user (who needs a way
    // to the daemon's socket for that: system mode); written while the daemon is down.
    assert.equal((await h.cli(['down'])).code, 0);
    h.reconnect();
    const file = join(h.home, 'web-tokens.json');
    const tokens = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const theirs = { operator: `op-${OTHER}-0123456789abcdef`, viewer: `vw-${OTHER}-0123456789abcdef`, metrics: `mt-${OTHER}-0123456789abcdef`, gid: uid };
    tokens[String(uid)] = theirs;
    writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
    assert.equal((await h.cli(['start', 'rootjob'])).code, 0); // `down` stopped it; this starts the daemon too
    await h.waitJob('rootjob', 'running again', (j) => j.state === 'running');
    const base = `http://${web.listen}`;
    await waitFor('the dashboard back', async () => (await fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${theirs.viewer}` } })).status === 200);
    const as = (token: string, path: string, body?: unknown) => fetch(base + path, body === undefined
      ? { headers: { authorization: `Bearer ${token}` } }
      : { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const who = (await (await as(theirs.viewer, '/whoami')).json()) as { user: string; uid: number };
    assert.deepEqual([who.user, who.uid], [OTHER, uid]);
    // Their own job, started through the dashboard as them.
    const run = await as(theirs.operator, '/api/v1/run', { argv: ['sleep', '1000'], name: 'theirs', cwd: '/' });
    assert.equal(run.status, 200, await run.clone().text());
    const mine = (await (await as(theirs.viewer, '/api/v1/status')).json()) as { name: string }[];
    assert.deepEqual(mine.map((j) => j.name), ['theirs'], 'they see their job only');
    const rootSees = (await (await as(web.tokens.viewer, '/api/v1/status')).json()) as { name: string }[];
    assert.deepEqual(rootSees.map((j) => j.name).sort(), ['rootjob', 'theirs'], 'root sees both');
    const stop = await as(theirs.operator, '/api/v1/stop', { names: ['rootjob'] });
    assert.equal(stop.status, 404, 'root\'s job reads as missing to them');
    assert.equal((await h.status()).find((j) => j.name === 'rootjob')?.state, 'running');
    const metrics = await (await as(theirs.metrics, '/metrics')).text();
    assert.doesNotMatch(metrics, /rootjob/, 'their metrics do not show root\'s programs');
    assert.match(metrics, /appinit_program_up\{program="theirs"/);
  });
});
