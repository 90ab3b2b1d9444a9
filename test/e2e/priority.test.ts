// Start in priority order (lower first, after: respected), stop in reverse: `start all`,
// `stop all`, `restart`, with programs that note when they start and when they are stopped.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

describe('priority', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  const log = join(h.home, 'order.txt');
  // Ready when its shell says so (READY=1, after its `start` line), not after a time: under load a
  // shell can run its first line later than a `ready: 200ms` the next priority's start waits for.
  const prog = (name: string, extra: string) => `  ${name}:
    command: trap 'echo stop ${name} >> ${log}; exit 0' TERM; echo start ${name} >> ${log}; systemd-notify --ready; sleep 1000 & wait
    shell: true
    ready: notify
${extra}`;
  const events = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  // `start all` returns once the last batch is started, not once its shell has run a line: the
  // order is read once every line has come.
  const eventsWhen = (n: number) => waitFor(`${n} lines in ${log}`, () => (events().length >= n ? events() : null), 20_000)
    .catch((err: Error) => { throw new Error(`${err.message}\n${h.daemonLog()}`); });

  test('start all: lower priority first, after: before its dependents; stop all: the reverse', async () => {
    writeFileSync(log, '');
    await h.up(`programs:\n${prog('web', '    priority: 20\n')}${prog('db', '    priority: 10\n')}${prog('api', '    priority: 1\n    after: [db]\n')}`);
    let r = await h.cli(['stop', 'all']);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(log, '');
    r = await h.cli(['start', 'all']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await eventsWhen(3), ['start db', 'start api', 'start web'], h.daemonLog());
    writeFileSync(log, '');
    r = await h.cli(['stop', 'all']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(events(), ['stop web', 'stop api', 'stop db'], h.daemonLog());
  });

  test('restart of several programs: stopped in reverse, started in order', async () => {
    writeFileSync(log, '');
    const started = await h.cli(['start', 'all']);
    assert.equal(started.code, 0, started.stderr);
    await eventsWhen(3); // every trap is set
    writeFileSync(log, '');
    const r = await h.cli(['restart', 'web', 'db']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await eventsWhen(4), ['stop web', 'stop db', 'start db', 'start web'], `${r.stdout}\n${h.daemonLog()}`);
  });
});
