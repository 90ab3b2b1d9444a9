// The dashboard's pure pieces: listen addresses and the TLS rule, the exposition format's
// escaping and histogram, the cookie and CSRF checks, and the token store's file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Exposition } from '../../../src/api/metrics/exposition.js';
import { changeRefusal, cookieToken, sameOrigin, setCookie } from '../../../src/api/web/auth.js';
import { TokenStore, tokensPath } from '../../../src/api/web/tokens.js';
import { parseListen, webSettingError } from '../../../src/config/web-listen.js';

test('listen addresses: host:port, [v6]:port, a bare port is loopback; bad ones say why', () => {
  assert.deepEqual(parseListen('127.0.0.1:8181'), { host: '127.0.0.1', port: 8181, loopback: true });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0, loopback: true });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000, loopback: true });
  assert.equal(parseListen('0.0.0.0:80').loopback, false);
  assert.equal(parseListen('localhost:80').loopback, true);
  assert.throws(() => parseListen('example.com:80'), /IP address or localhost/);
  assert.throws(() => parseListen('1.2.3.4:70000'), /port must be 0-65535/);
  assert.throws(() => parseListen(':'), /expected HOST:PORT/);
});

test('another address than loopback needs cert+key or insecure', () => {
  assert.equal(webSettingError({ listen: '127.0.0.1:1' }), null);
  assert.match(webSettingError({ listen: '0.0.0.0:1' }) ?? '', /reachable from other machines/);
  assert.equal(webSettingError({ listen: '0.0.0.0:1', insecure: true }), null);
  assert.equal(webSettingError({ listen: '0.0.0.0:1', cert: '/c', key: '/k' }), null);
  assert.match(webSettingError({ listen: '127.0.0.1:1', cert: '/c' }) ?? '', /go together/);
});

test('exposition: HELP/TYPE once, label values escaped, histogram cumulative with +Inf', () => {
  const t = new Exposition()
    .family('x_total', 'counter', 'a "counter"', [[{ program: 'a"b\\c\nd' }, 2]])
    .histogram('lat_seconds', 'lateness', [{ labels: { kind: 'at' }, buckets: [0.1, 1], counts: [2, 1], sum: 1.5, count: 4 }])
    .text();
  assert.equal(t, [
    '# HELP x_total a "counter"', '# TYPE x_total counter', 'x_total{program="a\\"b\\\\c\\nd"} 2',
    '# HELP lat_seconds lateness', '# TYPE lat_seconds histogram',
    'lat_seconds_bucket{kind="at",le="0.1"} 2', 'lat_seconds_bucket{kind="at",le="1"} 3', 'lat_seconds_bucket{kind="at",le="+Inf"} 4',
    'lat_seconds_sum{kind="at"} 1.5', 'lat_seconds_count{kind="at"} 4', '',
  ].join('\n'));
});

const fakeReq = (headers: Record<string, string>) => ({ headers } as unknown as http.IncomingMessage);

test('cookie and CSRF: only the operator, with the page\'s header, from this origin', () => {
  assert.equal(cookieToken(fakeReq({ cookie: 'a=1; appinit_web=t%2Fk; b=2' })), 't/k');
  assert.match(setCookie('tok', true), /^appinit_web=tok; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
  const op = { uid: 0, gid: 0, role: 'operator' as const };
  const page = { host: 'h:1', 'x-appinit-web': '1', origin: 'http://h:1', cookie: 'appinit_web=x' };
  assert.equal(changeRefusal(op, fakeReq(page), false), null);
  assert.match(changeRefusal({ ...op, role: 'viewer' }, fakeReq(page), false) ?? '', /read-only/);
  assert.match(changeRefusal(op, fakeReq({ ...page, 'x-appinit-web': '' }), false) ?? '', /cross-site/);
  assert.match(changeRefusal(op, fakeReq({ ...page, origin: 'http://evil:1' }), false) ?? '', /cross-site/);
  assert.equal(sameOrigin(fakeReq({ host: 'h:1', origin: 'https://h:1' }), true), true);
  assert.equal(sameOrigin(fakeReq({ host: 'h:1', origin: 'http://h:1' }), true), false, 'the scheme counts');
  // A script's bearer token is not a browser's ambient credential: no CSRF checks.
  assert.equal(changeRefusal(op, fakeReq({ authorization: 'Bearer x' }), false), null);
});

test('tokens: made once per user, kept in a 0600 file, found by value', () => {
  const home = mkdtempSync(join(tmpdir(), 'appinit-webtok-'));
  try {
    const s = new TokenStore(home);
    const a = s.forUser(1000, 100);
    assert.deepEqual(s.forUser(1000, 100), a, 'the same tokens next time');
    assert.equal(statSync(tokensPath(home)).mode & 0o777, 0o600);
    assert.deepEqual(new TokenStore(home).owner(a.viewer), { uid: 1000, gid: 100, role: 'viewer' }, 'read back from the file');
    assert.equal(s.owner('nope'), null);
    assert.equal(s.owner(''), null);
    assert.notEqual(a.operator, a.viewer);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
