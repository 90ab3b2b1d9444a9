// A control file's resources and a program's needs with a real daemon: created on `up`, taken
// all at once before the job starts (status says what it waits for), given back when the job
// ends — by a stop or a kill -9 of its process — and a file that disagrees with what exists is
// refused whole, naming the place.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

describe('needs', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  const FILE = `resources:
  gpu: { semaphore: 2 }
  db: mutex
  jobs: { queue: { maxBytes: 16KB }, mode: 0660 }
programs:
  big:
    command: sleep 1000
    needs: { gpu: 2, db: 1 }
    ready: 0
  small:
    command: sleep 1000
    needs: { gpu: 1 }
    ready: 0
    restart: never
    autostart: false
`;

  test('created on up; a job waits for its needs (status says so) and starts once they are given back', async () => {
    await h.up(FILE);
    const c = await h.api();
    const res = async (name: string) => (await c.resources()).resources.find((r) => r.name === name);
    assert.equal((await res('jobs'))?.maxBytes, 16 * 1024);
    assert.equal((await res('jobs'))?.mode, 0o660);
    await h.waitJob('big', 'running', (j) => j.state === 'running');
    assert.equal((await res('gpu'))?.value, 0, 'big holds both units');
    assert.deepEqual((await res('db'))?.holders.map((x) => x.holder), ['job big']);
    assert.equal((await h.cli(['start', 'small'])).code, 0);
    const small = await h.waitJob('small', 'waiting for gpu', (j) => j.state === 'starting' && (j.waitingFor ?? []).includes('needs gpu'));
    assert.equal(small.pid, null, 'no process while it waits');
    assert.match((await h.cli(['status', 'small'])).stdout, /waiting \(needs gpu\)/);
    const ipcs = (await h.cli(['ipcs'])).stdout;
    assert.match(ipcs, /^gpu\s+\S+\s+600\s+0\s+job big:2\s+job small/m);
    // A second up of the same file changes nothing.
    assert.equal((await h.cli(['up', `${h.home}/appinit.yaml`])).code, 0);
    assert.equal((await h.cli(['stop', 'big'])).code, 0);
    await h.waitJob('small', 'running once big gave gpu back', (j) => j.state === 'running');
    assert.equal((await res('gpu'))?.value, 1);
    assert.equal((await res('db'))?.value, 1, 'db given back with the rest');
  });

  test('kill -9 of a job\'s process gives its needs back (every process of it ended)', async () => {
    const small = (await h.status()).find((j) => j.name === 'small')!;
    process.kill(small.pid!, 'SIGKILL');
    await h.waitJob('small', 'exited', (j) => j.state === 'exited');
    const c = await h.api();
    await waitFor('gpu back to 2', async () => (await c.resources()).resources.find((r) => r.name === 'gpu')?.value === 2);
    const ev = (await c.resources()).events.map((e) => e.text);
    assert.ok(ev.some((t) => /^gpu: 1 unit\(s\) given back after job small ended$/.test(t)), ev.join('\n'));
  });

  test('a file that declares an existing resource otherwise, or needs what it does not declare, is refused whole', async () => {
    const before = (await (await h.api()).resources()).resources;
    const changed = FILE.replace('gpu: { semaphore: 2 }', 'gpu: { semaphore: 3 }').replace('db: mutex', 'db: mutex\n  fresh: semaphore');
    const r = await h.cli(['up', h.write('other.yaml', changed)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /other\.yaml:2:3: resources\.gpu: gpu exists as a semaphore of 2 with mode 0600, this file declares a semaphore of 3 with mode 0600; remove it first \(appinit ipcrm gpu\)/);
    const after = (await (await h.api()).resources()).resources;
    assert.deepEqual(after.map((x) => x.name), before.map((x) => x.name), 'fresh was not created');
    const kind = await h.cli(['up', h.write('kind.yaml', `resources:\n  gpu: { semaphore: 2 }\n  q: quue\n  m: { mutex: true, mode: 999 }\n`)]);
    assert.equal(kind.code, 1, kind.stderr);
    assert.match(kind.stderr, /kind\.yaml:3:6: resources\.q: expected mutex, semaphore or queue, got "quue"; did you mean "queue"\?\n.*kind\.yaml:4:27: resources\.m\.mode: expected permission bits like 0660/);
    const bad = await h.cli(['up', h.write('bad.yaml', `resources:\n  gpu: { semaphore: 2 }\n  q: queue\nprograms:\n  p:\n    command: sleep 1\n    needs: { gpu: 3, dbb: 1, q: 1 }\n`)]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /bad\.yaml:7:30: programs\.p\.needs\.q: q is a message queue/);
    assert.match(bad.stderr, /bad\.yaml:7:14: programs\.p\.needs\.gpu: gpu has 2 units, this program needs 3: it could never start/);
    assert.match(bad.stderr, /bad\.yaml:7:22: programs\.p\.needs\.dbb: no resource named "dbb" under resources: in this file/);
    assert.equal((await h.status()).some((j) => j.name === 'p'), false, 'nothing of the file was loaded');
  });

  test('kill -9 of the daemon while a job waits for its needs: it still waits after the restart, and nothing is granted twice', async () => {
    assert.equal((await h.cli(['start', 'big'])).code, 0);
    await h.waitJob('big', 'running', (j) => j.state === 'running');
    assert.equal((await h.cli(['start', 'small'])).code, 0);
    await h.waitJob('small', 'waiting for gpu', (j) => (j.waitingFor ?? []).includes('needs gpu'));
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    const st = await h.cli(['status']);
    assert.match(st.stdout, /^small .* waiting \(needs gpu\)/m, st.stdout);
    const c = await h.api();
    const gpu = (await c.resources()).resources.find((r) => r.name === 'gpu')!;
    assert.equal(gpu.value, 0);
    assert.deepEqual(gpu.holders, [{ holder: 'job big', units: 2 }]);
    assert.equal((await h.cli(['stop', 'big'])).code, 0);
    await h.waitJob('small', 'running', (j) => j.state === 'running');
    assert.equal((await c.resources()).resources.find((r) => r.name === 'gpu')!.value, 1);
  });
});

// A holder that ends while no daemon watches: the next daemon hears its end replayed by the
// helper and gives its needs back at once, as a crash with the daemon up does. It kept the mutex
// through its backoff and restart, and the program that waited first never got it.
describe('needs of a job that ended while the daemon was down', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('are given back to the waiter first in line, not kept through the backoff', async () => {
    await h.up(`resources:
  lk: mutex
programs:
  first:
    command: sleep 4001
    needs: [lk]
    backoff: { initial: 5s }
  second:
    command: sleep 4002
    needs: [lk]
    priority: 2000
`);
    const a = await h.waitJob('first', 'running with the lock', (j) => j.state === 'running' && j.pid != null);
    await h.waitJob('second', 'waiting for the lock', (j) => (j.waitingFor ?? []).includes('needs lk'));
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    process.kill(a.pid!, 'SIGKILL');
    await waitFor('the holder is gone', () => { try { process.kill(a.pid!, 0); return null; } catch { return true; } });
    assert.equal((await h.cli(['status'])).code, 0, 'a command starts the next daemon');
    await h.waitJob('second', 'running once the holder\'s end was heard', (j) => j.state === 'running' && j.pid != null, 15_000);
    const first = (await h.status()).find((j) => j.name === 'first')!;
    assert.notEqual(first.state, 'running', 'the crashed holder does not run again with the lock');
    const lk = (await (await h.api()).resources()).resources.find((r) => r.name === 'lk')!;
    assert.deepEqual(lk.holders.map((x) => x.holder), ['job second']);
  });
});
