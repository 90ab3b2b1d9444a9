// Who may open what through `appinit open`: exact paths, directories with a trailing /, by the
// caller's uid against each program's user; root may use any grant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { covers, grantFor, grantsOf } from '../../../src/core/sockets/grants.js';
import { openFor } from '../../../src/core/sockets/open-server.js';
import type { Program } from '../../../src/config/program.js';
import { pathsFor } from '../../../src/api/paths.js';
import { openSocketPath } from '../../../src/client/open.js';

test('the client finds the open server where the daemon makes it', () => {
  assert.equal(openSocketPath('/some/home'), pathsFor('/some/home').openSocket);
});

test('covers: a file exactly, a directory below it (not the directory itself, not a sibling prefix)', () => {
  const g = ['/srv/a.txt', '/srv/shared/'];
  assert.ok(covers(g, '/srv/a.txt'));
  assert.ok(covers(g, '/srv/shared/x/y'));
  assert.ok(!covers(g, '/srv/shared/'));
  assert.ok(!covers(g, '/srv/shared-not/x'));
  assert.ok(!covers(g, '/srv/a.txt.bak'));
});

test('grantFor: by the program\'s user; root may use any', () => {
  const prog = (name: string, user: string | null, grants: string[]) => ({ name, user, grants }) as unknown as Program;
  const grants = grantsOf([prog('a', 'alice', ['/srv/a/']), prog('b', null, ['/srv/b']), prog('c', 'ghost', ['/srv/c'])],
    (u) => (u === 'alice' ? 1001 : u == null ? 0 : null));
  assert.deepEqual(grants.map((g) => g.program), ['a', 'b'], 'a program whose user is unknown grants nothing');
  assert.equal(grantFor(grants, 1001, '/srv/a/f'), 'a');
  assert.equal(grantFor(grants, 1001, '/srv/b'), null);
  assert.equal(grantFor(grants, 1002, '/srv/a/f'), null);
  assert.equal(grantFor(grants, 0, '/srv/a/f'), 'a');
});

test('openFor refuses a bad request or a path not granted without touching the file', () => {
  const grants = [{ program: 'p', uid: 1001, paths: ['/nonexistent/dir/'] }];
  assert.deepEqual(openFor(1001, { path: 'relative' }, grants).answer, { error: { code: 'usage', message: 'open: expected {"path": "/absolute/path", "flags": "r" | "w" | "a" | "rw"}' } });
  assert.match(JSON.stringify(openFor(1001, { path: '/etc/passwd' }, grants).answer), /forbidden/);
  assert.match(JSON.stringify(openFor(1001, { path: '/nonexistent/dir/../../etc/passwd' }, grants).answer), /forbidden/, '.. is resolved before the check');
  assert.match(JSON.stringify(openFor(1001, { path: '/nonexistent/dir/f', flags: 'x' }, grants).answer), /usage/);
  assert.match(JSON.stringify(openFor(1001, { path: '/nonexistent/dir/f' }, grants).answer), /not_found/);
});
