// Output through pipes, as people use it: `| wc -l` sees every line on every run, `| head -1`
// ends the command quietly, and a program named like a verb does not change how a command ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';
import { pipeline } from './pipeline.js';

const LINES = 300_000;

describe('CLI output through pipes', () => {
  const h = new TestHome();
  before(async () => {
    await h.up(`programs:
  flood:
    command: sh -c 'seq 1 ${LINES}; exec sleep 1000'
    restart: never
    log: { timestamps: none }
  daemon:
    command: sh -c 'echo from-daemon; exec sleep 1000'
    restart: never
    log: { timestamps: none }
`);
    const c = await h.api();
    await waitFor(`flood's log to hold ${LINES} lines`, async () => (await c.logs({ name: 'flood', n: 1 })).lines[0]?.line === String(LINES), 30_000);
    // The test of `daemon` reads its log once: its line must be there first.
    await waitFor('daemon\'s line in its log', async () => (await c.logs({ name: 'daemon', n: 1 })).lines[0]?.line === 'from-daemon', 30_000);
  });
  after(() => h.cleanup());

  test('`logs -n 100000000 | wc -l` counts every line, every time', async () => {
    const counts: number[] = [];
    // A reader slower than the writer leaves most of the output queued in the CLI when it is done.
    for (const reader of ['wc -l', 'wc -l', '(sleep 0.3; wc -l)', '(sleep 0.3; wc -l)', 'cat | wc -l']) {
      const r = await pipeline(h, `appinit logs flood -n 100000000 | ${reader}`);
      assert.equal(r.err, '', 'nothing on stderr');
      counts.push(Number(r.out.trim()));
    }
    console.log(`# wc -l over 5 runs: ${counts.join(', ')}`);
    assert.deepEqual(counts, Array(5).fill(LINES), `${LINES} lines on every run`);
  });

  test('`| head -1` ends every command quietly', async () => {
    // `logs -f` and `tail` follow forever: the closed pipe alone ends them (once more than head
    // takes has been written), with no warning of a listener per line left waiting to drain.
    for (const cmd of ['logs flood -n 100000000', 'logs -n 100000000', 'logs flood -n 100000000 --json', 'logs -f flood -n 1000', 'tail flood -n 1000 --json', 'status', 'ps -e', 'jobs', 'acct', 'info']) {
      for (let i = 0; i < 3; i++) {
        const r = await pipeline(h, `appinit ${cmd} | head -1`);
        assert.equal(r.err, '', `appinit ${cmd} | head -1: nothing on stderr (no stack trace)`);
        assert.ok(r.cli === 0 || r.cli === 141, `appinit ${cmd} | head -1: exit 0, or 141 when the pipe closed first; got ${r.cli}`);
        assert.equal(r.last, 0, 'head succeeded');
      }
    }
    // A follower with nothing more to write (the program is quiet, head has read the backlog and
    // left): only watching the pipe ends it, as GNU tail -f does.
    for (const cmd of ['logs -f daemon -n 5', 'tail daemon']) {
      const q = await pipeline(h, `appinit ${cmd} | head -1`);
      assert.equal(q.out, 'from-daemon\n', `appinit ${cmd} | head -1: the line`);
      assert.equal(q.err, '', `appinit ${cmd} | head -1: nothing on stderr`);
      assert.equal(q.cli, 141, `appinit ${cmd} | head -1: ends by itself once head has left, 141 as GNU tail -f | head -1`);
    }
    const r = await pipeline(h, 'appinit logs flood -n 100000000 | head -1');
    assert.equal(r.out, '1\n', 'the first line');
    assert.equal(r.cli, 141, 'a closed pipe ends the command as SIGPIPE would (128+13)');
  });

  test('a short listing through | head -1 ends with 0, as atq, ipcs and bash\'s jobs do (it wrote a line at a time: 141)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await h.cli(['at', 'now + 1 hour'], { input: 'true\n' })).code, 0);
    const bg: string[] = [];
    for (let i = 0; i < 3; i++) bg.push(`%${/^\[(\d+)\]/.exec((await h.cli(['run', '--bg', '--', 'sleep', '1000'])).stdout)?.[1]}`);
    for (const cmd of ['atq', 'jobs', 'jobs -p', 'pstree', 'ipcs', 'info']) {
      const r = await pipeline(h, `appinit ${cmd} | head -1`);
      assert.deepEqual([r.cli, r.err], [0, ''], `appinit ${cmd} | head -1`);
      assert.equal(r.out.split('\n').length, 2, `one line: ${r.out}`);
    }
    assert.equal((await h.cli(['kill', '-KILL', ...bg])).code, 0);
    assert.equal((await h.cli(['atrm', ...JSON.parse((await h.cli(['atq', '--json'])).stdout).map((j: { id: number }) => String(j.id))])).code, 0);
  });

  test('--version needs no command group and exits', async () => {
    const r = await h.cli(['--version'], { timeoutMs: 10_000 });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '0.1.0\n', '']);
  });

  test('a program named `daemon` is shown and the command exits', async () => {
    const r = await h.cli(['logs', 'daemon'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from-daemon\n');
  });
});
