// The socket settings as a control file writes them: listen (tcp, udp, unix made absolute, names),
// fd_store (its default with ready: notify), grants, ready: notify; and the errors, at their place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlText } from '../../../src/config/load.js';
import { ConfigError, formatIssue, upgradeProgram, type Program } from '../../../src/config/program.js';
import { sameProgram } from '../../../src/core/supervisor/diff.js';
import { socketRequest } from '../../../src/core/sockets/spawn.js';

const one = (yaml: string): Program => parseControlText(yaml, 'app.yaml', '/srv/app')[0];
const errors = (yaml: string): string[] => {
  try {
    parseControlText(yaml, 'app.yaml', '/srv/app');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  assert.fail('expected a ConfigError');
};

test('listen, fd_store, grants and ready: notify, normalised', () => {
  const p = one(`programs:
  web:
    command: python3 server.py
    ready: notify
    listen: ["tcp://127.0.0.1:8080", { name: dns, url: "udp://0.0.0.0:5353" }, "unix:./app.sock", "tcp://[::1]:81", "tcp://*:82"]
    grants: [data/report.txt, /srv/shared/]
`);
  assert.equal(p.ready, 'notify');
  assert.deepEqual(p.listen, [
    { name: 'web', url: 'tcp://127.0.0.1:8080' },
    { name: 'dns', url: 'udp://0.0.0.0:5353' },
    { name: 'web', url: 'unix:/srv/app/app.sock' },
    { name: 'web', url: 'tcp://[::1]:81' },
    { name: 'web', url: 'tcp://*:82' },
  ]);
  assert.equal(p.fdStore, 16, 'ready: notify keeps up to 16 descriptors unless told');
  assert.deepEqual(p.grants, ['/srv/app/data/report.txt', '/srv/shared/']);
  assert.deepEqual(socketRequest(p, 2), { notify: 16, store: 'web/2', listen: p.listen });
});

test('without socket settings: nothing asked of the helper, and ready stays a time', () => {
  const p = one('programs:\n  w:\n    command: sleep 1\n    ready: 2s\n');
  assert.equal(p.ready, 2000);
  assert.deepEqual([p.listen, p.fdStore, p.grants], [[], 0, []]);
  assert.equal(socketRequest(p, 0), null);
  assert.deepEqual(socketRequest({ ...p, fdStore: 4 }, 0), { notify: 4, store: 'w/0', listen: [] }, 'a store alone gives NOTIFY_SOCKET');
});

test('a program stored before the socket settings reads as unchanged', () => {
  const p = one('programs:\n  w:\n    command: sleep 1\n');
  const { listen: _l, fdStore: _f, grants: _g, ...old } = p;
  assert.ok(sameProgram(upgradeProgram(old as Program), p));
});

test('ready: anything but a duration or notify is told both', () => {
  for (const v of ['yes', '{ tcp: 8080 }', '"log: listening"']) {
    const e = errors(`programs:\n  a:\n    command: x\n    ready: ${v}\n`);
    assert.match(e[0] ?? '', /programs\.a\.ready: expected a duration like 1s or "notify"/, v);
  }
  assert.match(errors('programs:\n  a:\n    command: x\n    ready: 5 parsecs\n')[0] ?? '', /programs\.a\.ready: expected a duration like "10s"/);
});

test('bad socket settings are refused at their place, all at once', () => {
  const e = errors(`programs:
  a:
    command: x
    ready: notfy
    listen: ["tcp://127.0.0.1:0", "tcp://example.com:80", "tcp://::1:80", "unix:", { url: "tcp://1.2.3.4:5", name: "a:b" }, "tcp://127.0.0.1:9", "tcp://127.0.0.1:9", 5]
    fd_store: -1
    grants: "/etc"
`);
  assert.deepEqual(e, [
    'app.yaml:4:12: programs.a.ready: expected a duration like 1s or "notify" (ready when the program sends READY=1 on $NOTIFY_SOCKET), got "notfy"',
    'app.yaml:5:14: programs.a.listen[0]: port 0 in "tcp://127.0.0.1:0": expected 1 to 65535',
    'app.yaml:5:35: programs.a.listen[1]: host "example.com" in "tcp://example.com:80": expected an IP address (127.0.0.1, [::1]), localhost, or * for every address',
    'app.yaml:5:59: programs.a.listen[2]: an IPv6 address is written in brackets: tcp://[::1]:80',
    'app.yaml:5:75: programs.a.listen[3]: expected a path after unix:, like unix:./app.sock',
    'app.yaml:5:116: programs.a.listen[4].name: descriptor name "a:b": printable characters only, no spaces and no \':\'',
    'app.yaml:5:146: programs.a.listen[6]: tcp://127.0.0.1:9 is listed twice',
    'app.yaml:5:167: programs.a.listen[7]: expected a socket like "tcp://127.0.0.1:8080", got 5 (number)',
    'app.yaml:6:15: programs.a.fd_store: expected an integer from 0 to 200, got -1 (number)',
    'app.yaml:7:13: programs.a.grants: expected a list of paths like [/srv/data/file.txt, /srv/shared/], got "/etc"',
  ]);
});
