// The client is a library people import: it loads none of the daemon's code at run time (only
// types cross from the API layer), and it reaches the daemon through the transport it is given.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pathsFor } from '../../../src/api/paths.js';
import { Client, socketPath, type LogLine, type Transport } from '../../../src/client/index.js';

const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../src/client');

describe('the client library', () => {
  test('its compiled files import nothing from the layers below at run time', () => {
    const files = readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.js'));
    assert.ok(files.length >= 3, `compiled client files in ${CLIENT_DIR}`);
    for (const f of files) {
      const imports = [...readFileSync(join(CLIENT_DIR, f), 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]);
      // The exceptions: starting a daemon (locking, the home's checks) loads the API's starter, on
      // that path only, never when a daemon answers; `open` receives a descriptor (SCM_RIGHTS),
      // which needs the kernel layer's koffi binding, loaded only when open() is called.
      const allowed = (spec: string) => (f === 'index.js' && spec === '../api/autostart.js') || (f === 'open.js' && spec === '../os/fdpass.js');
      for (const spec of imports) assert.ok(spec.startsWith('node:') || spec.startsWith('./') || allowed(spec), `${f} imports ${spec} at run time`);
    }
  });

  test('finds the socket where the daemon makes it', () => {
    assert.equal(socketPath('/some/home'), pathsFor('/some/home').socket);
  });

  test('followLogs streams through the injected transport; acct is one call with every filter', async () => {
    const asked: string[] = [];
    const t: Transport = async (method, path) => {
      asked.push(`${method} ${path}`);
      return { status: 200, body: [] };
    };
    t.stream = (path, onLine, onEnd) => {
      asked.push(`STREAM ${path}`);
      onLine({ name: 'web', stream: 'stdout', line: 'hello', time: null });
      onLine({ missed: 3 });
      onEnd();
      return () => {};
    };
    const c = new Client(t, '/nowhere');
    const got: (LogLine | { missed: number } | { warning: string })[] = [];
    let ended = false;
    c.followLogs({ name: 'web', n: 2 }, (l) => got.push(l), () => (ended = true));
    assert.deepEqual(got, [{ name: 'web', stream: 'stdout', line: 'hello', time: null }, { missed: 3 }]);
    assert.ok(ended);
    await c.acct({ program: 'web', uid: 0, limit: 5 });
    assert.deepEqual(asked, ['STREAM /v1/logs/follow?name=web&n=2', 'GET /v1/acct?program=web&uid=0&limit=5']);
    assert.equal('records' in c, false, 'one call for records: acct');
  });

  test('a transport that cannot stream says so', () => {
    const c = new Client(async () => ({ status: 200, body: null }), '/nowhere');
    assert.throws(() => c.followLogs({}, () => {}), /this transport cannot stream/);
  });
});
