// The typed client against a real daemon: a kept-alive connection the daemon closed while the
// client's event loop was blocked is retried once, not reported as EPIPE or ECONNRESET.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHome } from './harness.js';

// The daemon closes a connection idle past its keep-alive (node's default, 5 s; its idle check
// runs on its own schedule: measured here, closed between 5.7 and 9 s). Blocked longer than that.
const BLOCK_MS = 9500;

describe('the client over a real socket', () => {
  const h = new TestHome();
  before(() => h.up('programs:\n  idle:\n    command: sleep 1000\n'));
  after(() => h.cleanup());

  test('a call after the event loop was blocked past the daemon\'s keep-alive succeeds', async () => {
    const c = await h.api();
    for (let round = 0; round < 1; round++) {
      assert.equal((await c.status())[0].name, 'idle');
      // Block this event loop (as a busy program would) until the daemon has closed the idle
      // connection: the client learns of it only when it writes the next request.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_MS);
      assert.equal((await c.status())[0].name, 'idle', `round ${round}: the call after the block succeeds`);
      assert.equal((await c.acct({ program: 'idle' })).length, 0);
    }
  });
});
