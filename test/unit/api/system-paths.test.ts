// The system daemon's places: what the daemon listens on and what the client looks for agree
// (the client loads none of the daemon's code), and APPINIT_SYSTEM_HOME puts everything under it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemDirs, systemPaths } from '../../../src/api/paths.js';
import { systemHome, systemMode, systemSocketPath } from '../../../src/client/home.js';

describe('system paths', () => {
  test('FHS places without APPINIT_SYSTEM_HOME', () => {
    const p = systemPaths({});
    assert.equal(p.socket, '/run/appinit/appinit.sock');
    assert.equal(p.db, '/var/lib/appinit/state.db');
    assert.equal(p.logs, '/var/log/appinit');
    assert.equal(p.system?.spool, '/var/spool/appinit');
    assert.equal(p.system?.etc, '/etc');
    assert.equal(systemSocketPath({}), p.socket);
    assert.equal(systemHome({}), p.home);
  });

  test('APPINIT_SYSTEM_HOME=DIR puts all of them under DIR, and the client agrees', () => {
    const env = { APPINIT_SYSTEM_HOME: '/srv/ai/' };
    const d = systemDirs(env);
    assert.deepEqual(d, { root: '/srv/ai', run: '/srv/ai/run', lib: '/srv/ai/lib', spool: '/srv/ai/spool', log: '/srv/ai/log', etc: '/srv/ai/etc' });
    const p = systemPaths(env);
    assert.equal(systemSocketPath(env), p.socket);
    assert.equal(systemHome(env), p.home);
    assert.equal(p.superviseSocket, '/srv/ai/lib/supervise.sock');
  });

  test('APPINIT_SYSTEM=1 (or true) selects the system daemon; anything else does not', () => {
    assert.equal(systemMode({ APPINIT_SYSTEM: '1' }), true);
    assert.equal(systemMode({ APPINIT_SYSTEM: 'true' }), true);
    assert.equal(systemMode({ APPINIT_SYSTEM: '0' }), false);
    assert.equal(systemMode({}), false);
  });
});
