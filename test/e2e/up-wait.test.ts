// `appinit up --wait`: the command returns once every job of the file the daemon wants up is
// running (ready), has ended with a success code, or has failed, and says which; exit 1 when one
// did not come up. Real daemon, real programs; the status is read once, right after the command.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { alive, TestHome } from './harness.js';

describe('up --wait', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('returns once every job is running (ready) or a one-shot has ended well; nothing is left starting; autostart: false and cron are not waited for', async () => {
    // `first` is ready after 1 s; `second` starts only then (after:), and is ready 1 s later.
    const file = h.write('ok.yaml', `programs:
  first:
    command: sleep 1000
    ready: 1s
  second:
    command: sleep 1000
    instances: 2
    ready: 1s
    after: [first]
  once:
    command: "true"
    restart: never
  manual:
    command: sleep 1000
    autostart: false
  nightly:
    command: sleep 1000
    cron: "0 3 * * *"
`);
    const t0 = Date.now();
    const r = await h.cli(['up', '--wait', file], { timeoutMs: 30_000 });
    const took = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^3 jobs running, 1 ran and exited successfully \(waited \d+\.\d s\)$/m, r.stdout);
    const s = await h.status();
    // Programs that are not to run now (autostart: false, scheduled) are not waited for.
    assert.deepEqual(s.map((j) => [j.name, j.state]).sort(), [['first', 'running'], ['manual', 'stopped'], ['nightly', 'stopped'], ['once', 'exited'], ['second', 'running'], ['second', 'running']]);
    assert.ok(took >= 2000, `up --wait returned after ${took} ms, before second could be ready (2 s)`);
  });

  test('the same file again: unchanged jobs that run count at once', async () => {
    const r = await h.cli(['up', '--wait', `${h.home}/ok.yaml`], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /= first \(unchanged\)/);
    assert.match(r.stdout, /^3 jobs running, 1 ran and exited successfully/m);
  });

  test('a crashing program and one not ready in time: exit 1, each named with what it came to; the rest runs on', async () => {
    const file = h.write('bad.yaml', `programs:
  web:
    command: sleep 1000
    ready: 0
  crash:
    command: sh -c 'echo boom >&2; exit 3'
  slow:
    command: sleep 1000
    ready: 60s
`);
    const r = await h.cli(['up', '--wait', '--wait-timeout', '2s', file], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /\+ crash \(added, started\)/);
    assert.match(r.stderr, /^appinit: up --wait: crash %\d+ (backoff: exit\(3\); restarting after a backoff|fatal: given up: .*code 3.*) \(appinit logs crash\)$/m, r.stderr);
    assert.match(r.stderr, /^appinit: up --wait: slow %\d+ still starting after 2\.\d s \(not ready yet\)$/m, r.stderr);
    assert.match(r.stderr, /^appinit: up --wait: 1 running, 1 failed, 1 not up in time$/m);
    const web = (await h.status()).find((j) => j.name === 'web');
    assert.equal(web?.state, 'running');
    assert.equal(alive(web!.pid!), true);
  });

  test('a job stopped from another terminal while up --wait waits for it: named, exit 1', async () => {
    const file = h.write('stopped.yaml', 'programs:\n  held:\n    command: sleep 1000\n    ready: 60s\n');
    const waiting = h.cli(['up', '--wait', file], { timeoutMs: 30_000 });
    await h.waitJob('held', 'starting with a pid', (j) => j.state === 'starting' && j.pid != null);
    assert.equal((await h.cli(['stop', 'held'])).code, 0);
    const r = await waiting;
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^appinit: up --wait: held %\d+ (stopping|stopped): stopped meanwhile \(appinit stop or down, or an up of the file without it\) \(appinit logs held\)$/m, r.stderr);
  });

  test('a program removed by a second up while up --wait waits for it: named at once, not at the timeout', async () => {
    const file = h.write('gone.yaml', 'programs:\n  keep:\n    command: sleep 1000\n    ready: 0\n  gone:\n    command: sleep 1000\n    ready: 60s\n');
    const t0 = Date.now();
    const waiting = h.cli(['up', '--wait', '--wait-timeout', '60s', file], { timeoutMs: 30_000 });
    await h.waitJob('gone', 'starting with a pid', (j) => j.state === 'starting' && j.pid != null);
    h.write('gone.yaml', 'programs:\n  keep:\n    command: sleep 1000\n    ready: 0\n');
    assert.equal((await h.cli(['up', file])).code, 0);
    const r = await waiting;
    assert.equal(r.code, 1, r.stdout);
    // The second `up` stops it first (named then), or it is forgotten before it came to a stop.
    assert.match(r.stderr, /^appinit: up --wait: gone %\d+ (stopping: stopped meanwhile \(appinit stop or down, or an up of the file without it\)|removed: removed meanwhile \(an up of the file without it, or appinit rm\))/m, r.stderr);
    assert.match(r.stderr, /^appinit: up --wait: 1 running, 1 failed, 0 not up in time$/m, r.stderr);
    assert.ok(Date.now() - t0 < 30_000, 'the wait ran on to its timeout');
  });

  test('a wrong --wait-timeout, or one without --wait, is a usage error and loads nothing', async () => {
    const before = (await h.status()).map((j) => [j.name, j.pid]);
    const file = h.write('other.yaml', 'programs:\n  other:\n    command: sleep 1000\n');
    for (const args of [['--wait', '--wait-timeout', 'soon'], ['--wait-timeout', '5s']]) {
      const r = await h.cli(['up', ...args, file]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^appinit: up: --wait-timeout/);
    }
    assert.deepEqual((await h.status()).map((j) => [j.name, j.pid]), before);
  });

  test('the library: up with wait answers what each job came to; a bad wait is refused before anything changes', async () => {
    const c = await h.api();
    const before = (await h.status()).map((j) => [j.name, j.pid]);
    await assert.rejects(c.up('x.yaml', 'programs:\n  x:\n    command: sleep 1000\n', h.home, { wait: -1 }), /wait: expected seconds/);
    assert.deepEqual((await h.status()).map((j) => [j.name, j.pid]), before);
    const r = await c.up(`${h.home}/lib.yaml`, 'programs:\n  lib:\n    command: sleep 1000\n    ready: 0\n', h.home, { wait: 10 });
    assert.deepEqual([r.wait?.running, r.wait?.done, r.wait?.failed, r.wait?.pending], [1, 0, [], []]);
  });

  test('from standard input: up - --wait', async () => {
    const r = await h.cli(['up', '-', '--wait'], { input: 'programs:\n  piped:\n    command: sleep 1000\n    ready: 0\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1 job running \(waited \d+\.\d s\)$/m);
  });

  // A task that ran (seen running) and exited before the wait ended counts as what it came to.
  test('a migration its followers come after: counted as ran and exited, not as running', async () => {
    const file = h.write('mig.yaml', `programs:
  migrate:
    command: sh -c "sleep 1"
    restart: on-failure
  web:
    command: sleep 1150
    after: { migrate: exited }
`);
    const r = await h.cli(['up', '--wait', file], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1 job running, 1 ran and exited successfully \(waited/m, r.stdout);
  });
});
