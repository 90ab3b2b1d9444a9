// `status` as rows: the typed client asks GET /v1/status?form=rows (keys once) and rebuilds the
// same objects that GET /v1/status gives anyone else (curl, an older client). Real daemon, real
// socket; the raw answers are read with node:http, as curl --unix-socket would.
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestHome } from './harness.js';

function get(home: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: join(home, 'appinit.sock'), path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

// uptime moves between two calls; everything else must be equal.
const still = (views: unknown): unknown => (views as Record<string, unknown>[]).map((v) => ({ ...v, uptime: v.uptime == null ? null : 'set' }));

describe('status as rows', () => {
  const h = new TestHome();
  before(() => h.up('programs:\n  web:\n    command: sleep 1000\n    instances: 3\n    ready: 0\n  once:\n    command: "true"\n    restart: never\n  held:\n    command: sleep 1000\n    autostart: false\n'));
  after(() => h.cleanup());

  test('the client\'s objects are those of the plain answer; the rows answer has each key once', async () => {
    await h.waitJob('once', 'exited', (j) => j.state === 'exited');
    const plain = await get(h.home, '/v1/status');
    const rows = await get(h.home, '/v1/status?form=rows');
    const viaClient = await (await h.api()).status();
    assert.equal(plain.status, 200);
    assert.ok(Array.isArray(plain.body) && plain.body.length === 5, 'the plain answer is one object per job');
    const r = rows.body as { keys: string[]; rows: unknown[][] };
    assert.deepEqual(r.keys, Object.keys((plain.body as object[])[0]));
    assert.equal(r.rows.length, 5);
    assert.deepEqual(still(viaClient), still(plain.body));
    // Selection by name works the same in both forms.
    const web = await (await h.api()).status('web');
    assert.deepEqual(web.map((j) => j.name), ['web', 'web', 'web']);
  });

  test('a form that is not rows is refused, and says what is', async () => {
    const r = await get(h.home, '/v1/status?form=table');
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /form: expected rows/);
  });
});
