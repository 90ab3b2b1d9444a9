// userId: a user as ps, top and acct take one on the command line — a login name first, else a number.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userId } from '../../../src/os/proc/index.js';

test('a login name, a uid with or without a passwd entry; anything else is null', () => {
  assert.equal(userId('root'), 0);
  assert.equal(userId('0'), 0);
  assert.equal(userId('4242421'), 4242421, 'a uid nobody is named after is still a uid');
  assert.equal(userId('no-such-user-4242'), null);
  assert.equal(userId('12x'), null);
  assert.equal(userId(''), null);
});
