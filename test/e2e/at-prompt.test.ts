// `at` on a terminal, as Debian's at 3.2 behaves there (seen through a pty):
//   warning: commands will be executed using /bin/sh
//   at Tue Dec  1 23:56:00 2026
//   at> echo hi
//   at> <EOT>
//   job 262 at Tue Dec  1 23:56:00 2026
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CLI, TestHome } from './harness.js';
import { Pty } from './pty.js';

describe('at on a terminal', () => {
  const h = new TestHome();
  let t: Pty | null = null;
  after(async () => {
    await t?.close().catch(() => undefined);
    await h.cleanup();
  });

  test('prompts "at> " for each line and ends on Ctrl-D with <EOT>, then queues what was typed', async () => {
    assert.equal((await h.cli(['status'])).code, 0);
    t = await Pty.spawn([process.execPath, CLI, 'at', 'now', '+', '1', 'hour'], { ...h.env, TERM: 'xterm', TZ: 'UTC' });
    const date = '[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:00 \\d{4}';
    const head = await t.expect(new RegExp(`warning: commands will be executed using /bin/sh\\r\\nat (${date})\\r\\nat> $`), 'the warning, the time and the first prompt');
    const when = /at (.*)\r\n/.exec(head.split('\r\n')[1] + '\r\n')![1];
    await t.send('echo hi\r');
    await t.expect(/^echo hi\r\nat> $/, 'the typed line echoed, then the next prompt');
    await t.send('echo two\r');
    await t.expect(/^echo two\r\nat> $/, 'the second line, then a prompt');
    await t.send('\x04');
    const end = await t.expect(/^<EOT>\r\njob (\d+) at (.*)\r\n/, '<EOT> and the job line');
    assert.equal(await t.wait(), 0);
    const [, id, at] = /job (\d+) at (.*)\r\n/.exec(end)!;
    assert.equal(at, when, 'the job line gives the time announced before the prompts');
    const script = (await h.cli(['at', '-c', id])).stdout;
    assert.match(script, /echo hi\necho two\n/);
    assert.equal((await h.cli(['atrm', id])).code, 0);
  });
});
