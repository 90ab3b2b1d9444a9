// The dashboard's access rules probed as an attacker would: a cookie plus a bearer token that is
// not valid must not skip the page's CSRF checks (the bearer exemption is for requests that a
// valid bearer token identifies, never for the cookie's).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, TestHome, waitFor } from './harness.js';
import { makeUser, removeUsers, SystemHome } from './system-harness.js';

interface WebJson { url: string; listen: string; tokens: { operator: string; viewer: string; metrics: string } }

describe('dashboard: cookie and bearer together', () => {
  const h = new TestHome('appinit-qaweb-');
  let web: WebJson;
  let base: string;
  before(async () => {
    await h.up('programs:\n  napper:\n    command: sleep 1000\n');
    await h.waitJob('napper', 'running', (j) => j.state === 'running');
    const r = await h.cli(['web', '--listen', '127.0.0.1:0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    web = JSON.parse(r.stdout) as WebJson;
    base = `http://${web.listen}`;
  });
  after(() => h.cleanup());

  test('an invalid bearer token beside the operator cookie: the change is refused and nothing stops', async () => {
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'x-appinit-web': '1' }, body: JSON.stringify({ token: web.tokens.operator }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    for (const bearer of ['Bearer not-a-token', `Bearer ${web.tokens.metrics}`]) {
      const r = await fetch(`${base}/api/v1/stop`, { method: 'POST', headers: { cookie, authorization: bearer, 'content-type': 'application/json' }, body: '{"names":["napper"]}' });
      assert.ok(r.status === 401 || r.status === 403, `${bearer.slice(0, 20)}…: got ${r.status} ${await r.text()}`);
      assert.equal((await h.status()).find((j) => j.name === 'napper')?.state, 'running', 'the job was stopped by a request without the page\'s header');
    }
    // The viewer's bearer beside the operator cookie is the viewer: read-only.
    const v = await fetch(`${base}/api/v1/stop`, { method: 'POST', headers: { cookie, authorization: `Bearer ${web.tokens.viewer}`, 'content-type': 'application/json' }, body: '{"names":["napper"]}' });
    assert.equal(v.status, 403);
    // A valid operator bearer alone (a script) still works.
    const ok = await fetch(`${base}/api/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${web.tokens.operator}`, 'content-type': 'application/json' }, body: '{"names":["napper"]}' });
    assert.equal(ok.status, 200);
  });
});

describe('/metrics: deadlocks refused by the lock manager', () => {
  const h = new TestHome('appinit-qawebdl-');
  after(() => h.cleanup());

  test('a refused deadlock counts in appinit_deadlocks_refused_total (when the resources API gives its stats)', async (t) => {
    await h.up('resources:\n  ra: mutex\n  rb: mutex\n');
    const c = await h.api();
    const res = await c.resources() as unknown as { stats?: { deadlocksRefused?: number } };
    if (typeof res.stats?.deadlocksRefused !== 'number') return t.skip('GET /v1/resources gives no stats.deadlocksRefused here');
    // Two jobs take one lock each, then each wants the other's: the second request is refused.
    const me = `${process.execPath} ${CLI}`;
    const both = (mine: string, theirs: string) =>
      `sh -c '${me} lock ${mine} -- sh -c "touch ${h.home}/${mine}; while [ ! -e ${h.home}/${theirs} ]; do sleep 0.05; done; ${me} lock ${theirs} -- true"'`;
    await h.up(`resources:\n  ra: mutex\n  rb: mutex\nprograms:\n  pa:\n    command: ${both('ra', 'rb')}\n    restart: never\n  pb:\n    command: ${both('rb', 'ra')}\n    restart: never\n`);
    await waitFor('one of the two refused as a deadlock', async () => {
      const r = await c.resources() as unknown as { stats: { deadlocksRefused: number } };
      return r.stats.deadlocksRefused >= 1;
    }, 20_000);
    const web = JSON.parse((await h.cli(['web', '--listen', '127.0.0.1:0', '--json'])).stdout) as WebJson;
    const text = await (await fetch(`http://${web.listen}/metrics`, { headers: { authorization: `Bearer ${web.tokens.metrics}` } })).text();
    assert.match(text, /^# TYPE appinit_deadlocks_refused_total counter$/m);
    assert.match(text, /^appinit_deadlocks_refused_total [1-9]\d*$/m);
  });
});

describe('dashboard on the system daemon: a user without a home directory', { skip: process.getuid?.() === 0 ? false : 'needs root (creates a user, runs the system daemon)' }, () => {
  const U = `apqw${process.pid % 100000}`;
  const h = process.getuid?.() === 0 ? new SystemHome() : (null as unknown as SystemHome);
  after(async () => {
    await h.cleanup();
    removeUsers([U]);
  });

  test('an at job the page adds (in the directory /whoami names) runs, though the user\'s passwd home does not exist', async () => {
    const u = makeUser(U); // useradd -M: /home/U does not exist, as for many service accounts
    await h.start();
    const root = await h.cli(['web', '--listen', '127.0.0.1:0', '--json']);
    assert.equal(root.code, 0, root.stderr);
    const r = await h.cli(['web', '--json'], { user: u });
    assert.equal(r.code, 0, r.stderr);
    const web = JSON.parse(r.stdout) as WebJson;
    const base = `http://${web.listen}`;
    const auth = { authorization: `Bearer ${web.tokens.operator}`, 'content-type': 'application/json' };
    const me = (await (await fetch(`${base}/whoami`, { headers: auth })).json()) as { user: string; home: string };
    assert.equal(me.user, U);
    const out = join(h.dir, 'marks');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    // What the page sends (src/web/schedule.ts): cwd and HOME from /whoami.
    const add = await fetch(`${base}/api/v1/at`, { method: 'POST', headers: auth,
      body: JSON.stringify({ spec: 'now', script: `pwd > ${out}/ran\n`, cwd: me.home, env: { PATH: '/usr/bin:/bin', HOME: me.home, LOGNAME: me.user } }) });
    assert.equal(add.status, 200, await add.clone().text());
    await waitFor(`the at job added from the dashboard ran (cwd ${me.home})`, () => existsSync(join(out, 'ran')), 20_000);
  });
});
