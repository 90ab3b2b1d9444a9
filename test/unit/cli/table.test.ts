// The CLI's one table printer: what programs say of themselves reaches a terminal without its
// control characters (a user's job wrote escape sequences into root's `status`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStatus } from '../../../src/cli/format/status.js';
import { printable, table } from '../../../src/cli/format/table.js';
import type { JobView } from '../../../src/api/views.js';

test('control characters in cells are shown as ?, as procps ps shows them; columns stay aligned', () => {
  assert.equal(printable('a\x1b]0;owned\x07b\nc\td\x7f\u009b'), 'a?]0;owned?b?c?d??');
  assert.equal(printable('café ✓'), 'café ✓', 'printable text is left alone');
  const t = table(['NAME', 'COMMAND'], [['x', 'echo\x1b[2J hi\nthere'], ['y', 'ok']]);
  assert.equal(t, 'NAME  COMMAND\nx     echo?[2J hi?there\ny     ok');
  assert.doesNotMatch(t, /[\x00-\x09\x0b-\x1f]/);
});

test('status: sd_notify STATUS= text and reasons lose their escape sequences', () => {
  const view = {
    name: 'web', job: 1, pid: 10, state: 'running', uptime: 5, restarts: 0, user: 'u', lastExit: null,
    command: 'sleep 1', statusText: '\x1b[2J\x1b]0;pwned\x07ready', reason: null, health: null,
  } as unknown as JobView;
  const bad = { ...view, name: 'bad', job: 2, pid: null, state: 'fatal', statusText: null, reason: 'exec:\x1b[31m red\nline' } as unknown as JobView;
  const out = formatStatus([view, bad]);
  assert.doesNotMatch(out, /\x1b|\x07/, out);
  assert.match(out, /bad: exec:\?\[31m red\?line/);
});
