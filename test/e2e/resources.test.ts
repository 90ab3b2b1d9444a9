// appinit's resources with a real daemon and real processes: a two-job deadlock refused at once
// (the other job finishes), undo when a holder is killed, the seed's signaling exercises, and a
// waiting receive that survives a kill -9 of the daemon and gets exactly one message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { CLI, TestHome, waitFor } from './harness.js';

const node = process.execPath;

describe('resources', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  let c: Client;

  test('two jobs that lock in opposite order: the deadlock is refused at once, the other job finishes', async () => {
    await h.cli(['info']);
    c = await h.api();
    // Each says it holds its first lock and asks for the second only once the other holds its own
    // (a sleep instead let one finish alone when the other's start came late, as under load).
    const held = (name: string) => `${h.home}/held-${name}`;
    const lock = (outer: string, inner: string) =>
      `${node} ${CLI} lock ${outer} -- sh -c 'touch ${held(outer)}; while [ ! -e ${held(inner)} ]; do sleep 0.05; done; ${node} ${CLI} lock ${inner} -- true'`;
    await h.up(`programs:\n  a:\n    command: ${JSON.stringify(lock('db', 'cache'))}\n    shell: true\n    restart: never\n    ready: 0\n` +
      `  b:\n    command: ${JSON.stringify(lock('cache', 'db'))}\n    shell: true\n    restart: never\n    ready: 0\n`);
    const [a, b] = await Promise.all(['a', 'b'].map((n) => h.waitJob(n, 'ended', (j) => j.state === 'exited', 20_000)));
    const codes = [a.lastExit?.code, b.lastExit?.code].sort();
    assert.deepEqual(codes, [0, 1], `one job was refused, the other finished: ${a.lastExit?.text} ${b.lastExit?.text}`);
    const loser = a.lastExit?.code === 1 ? 'a' : 'b';
    const logs = (await h.cli(['logs', loser, '-n', '20'])).stdout;
    assert.match(logs, /deadlock: job [ab] \(pid \d+\) holds (db|cache), waits for (db|cache); job [ab] \(pid \d+\) holds (db|cache), waits for (db|cache)/);
    const l = await c.resources();
    assert.deepEqual(l.resources.filter((r) => r.kind === 'mutex').map((r) => [r.name, r.holders.length]), [['cache', 0], ['db', 0]], 'nothing left held');
  });

  test('the same two nested locks from a shell, not from jobs: refused at once as a deadlock, not hung', async () => {
    // The inner `lock` runs under the outer one's CMD: it asks as the outer holder (which holds the
    // first lock), so the cycle is seen. As a holder of its own it waited for ever, and
    // `appinit deadlock` said there was none.
    // And when CMD execs the inner lock (the inner is then the adopted process itself, whose
    // parent is the outer holder): it was missed, and that nesting hung (sh1/sh2 plain, ex1/ex2 exec).
    const held = (name: string) => `${h.home}/shell-held-${name}`;
    const lock = (outer: string, inner: string) =>
      `${node} ${CLI} lock ${outer} -- sh -c 'touch ${held(outer)}; while [ ! -e ${held(inner)} ]; do sleep 0.05; done; ${outer.startsWith('ex') ? 'exec ' : ''}${node} ${CLI} lock ${inner} -- echo got-${inner}'`;
    const run = (script: string) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn('sh', ['-c', script], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('exit', (code) => { clearTimeout(t); resolve({ code, out, err }); });
    });
    for (const [x, y] of [['sh1', 'sh2'], ['ex1', 'ex2']]) {
      const [one, two] = await Promise.all([run(lock(x, y)), run(lock(y, x))]);
      const got = [one, two].filter((r) => /got-/.test(r.out));
      const refused = [one, two].filter((r) => /deadlock/.test(r.err));
      assert.equal(got.length, 1, `${x}/${y}: one got its second lock: ${JSON.stringify([one, two])}`);
      assert.equal(refused.length, 1, `${x}/${y}: the other was refused as a deadlock: ${JSON.stringify([one, two])}`);
      assert.ok([one, two].every((r) => r.code !== null), `${x}/${y}: neither had to be killed`);
    }
  });

  test('undo: units taken by a process killed with SIGKILL are given back', async () => {
    await c.semaphore('gpu').create(2);
    const holder = spawn(node, [CLI, 'sem', 'gpu', 'P', '2', '--undo'], { env: h.env, stdio: 'ignore' });
    await new Promise((r) => holder.once('exit', r));
    // The holder was that CLI process: it has ended, so its units come back.
    await waitFor('gpu back to 2 after its holder ended', async () => (await c.resources()).resources.find((r) => r.name === 'gpu')?.value === 2, 20_000);
    const script = `import('${new URL('../../src/client/index.js', import.meta.url).href}').then(async ({ connect }) => {
      const c = await connect({ autostart: false });
      await c.semaphore('gpu').p(2, { undo: true });
      process.stdout.write('held\\n');
      setInterval(() => {}, 1000);
    });`;
    const p = spawn(node, ['--input-type=module', '-e', script], { env: h.env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => p.stdout.once('data', () => r()));
    assert.equal((await c.resources()).resources.find((r) => r.name === 'gpu')?.value, 0);
    p.kill('SIGKILL');
    await waitFor('gpu given back after kill -9 of its holder', async () => (await c.resources()).resources.find((r) => r.name === 'gpu')?.value === 2, 20_000);
    const ev = (await c.resources()).events.map((e) => e.text);
    assert.ok(ev.some((t) => /gpu: 2 unit\(s\) given back after pid \d+ \(node\) ended/.test(t)), ev.join('\n'));
  });

  test('the three runners: with two semaphores the only order is 1 -> 2 -> 3', async () => {
    await c.semaphore('s12').create(0);
    await c.semaphore('s23').create(0);
    const order = [] as number[];
    const r3 = c.semaphore('s23').p().then(() => order.push(3));
    const r2 = c.semaphore('s12').p().then(() => { order.push(2); return c.semaphore('s23').v(); });
    const waiting = (name: string) => async () => (await c.resources()).resources.find((r) => r.name === name)?.waiters.length === 1;
    await waitFor('runner 2 waits on s12', waiting('s12'));
    await waitFor('runner 3 waits on s23', waiting('s23'));
    assert.equal(order.length, 0, 'runners 2 and 3 wait');
    order.push(1);
    await c.semaphore('s12').v();
    await Promise.all([r2, r3]);
    assert.deepEqual(order, [1, 2, 3]);
  });

  test('producer/consumer: empty = 8, filled = 0; never more than 8 items buffered, all arrive in order', async () => {
    await c.semaphore('empty').create(8);
    await c.semaphore('filled').create(0);
    await c.queue('buf').create();
    let maxSeen = 0;
    const producer = (async () => {
      for (let i = 0; i < 30; i++) {
        await c.semaphore('empty').p();
        await c.queue('buf').send(1, String(i));
        await c.semaphore('filled').v();
      }
    })();
    const got: string[] = [];
    for (let i = 0; i < 30; i++) {
      await c.semaphore('filled').p();
      const r = (await c.resources()).resources.find((x) => x.name === 'buf')!;
      maxSeen = Math.max(maxSeen, r.messages);
      got.push((await c.queue('buf').receiveOne()).data);
      await c.semaphore('empty').v();
    }
    await producer;
    assert.ok(maxSeen <= 8, `at most 8 buffered (saw ${maxSeen})`);
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => String(i)));
  });

  test('a receive waiting while the daemon is killed -9 keeps waiting and gets exactly one message', async () => {
    await c.queue('jobs').create();
    const waiting = spawn(node, [CLI, 'mq', 'jobs', 'recv'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    waiting.stdout.on('data', (d) => (out += d));
    // Taken now: the receiver may end while the second send is still awaited.
    const exited = new Promise((r) => waiting.once('exit', r));
    await waitFor('the receive waits in the daemon', async () => (await c.resources()).resources.find((r) => r.name === 'jobs')?.waiters.length === 1, 20_000);
    process.kill(h.daemonPid(), 'SIGKILL');
    h.reconnect();
    assert.equal((await h.cli(['info'])).code, 0, 'a new daemon');
    c = await connect({ home: h.home, autostart: false });
    await waitFor('the receive is waiting again', async () => (await c.resources()).resources.find((r) => r.name === 'jobs')?.waiters.length === 1, 20_000);
    await c.queue('jobs').send(1, 'one');
    await c.queue('jobs').send(1, 'two');
    const code = await exited;
    assert.equal(code, 0);
    assert.equal(out, 'one\n');
    assert.equal((await c.queue('jobs').receiveOne({ nowait: true })).data, 'two', 'the second message is still there');
  });

  test('a semaphore counts exactly up to its bound and refuses a V past it; numbers are whole and decimal', async () => {
    const max = 2 ** 31 - 1;
    const cl = await connect({ home: h.home });
    assert.equal((await h.cli(['sem', 'big', 'create', String(max - 10)])).code, 0);
    assert.equal((await h.cli(['sem', 'big', 'V', '10'])).code, 0);
    const past = await h.cli(['sem', 'big', 'V', '1']);
    assert.equal(past.code, 1, 'a V past the bound is refused (semop says ERANGE)');
    assert.match(past.stderr, /would take its value 2147483647 past 2147483647/);
    assert.equal((await h.cli(['sem', 'big', 'P', '3'])).code, 0);
    assert.equal((await h.cli(['sem', 'big', 'get'])).stdout, `${max - 3}\n`, 'every unit counted');
    for (const bad of [['create', '1e3'], ['create', '0x10'], ['create', String(max + 1)], ['V', '1.0'], ['P', '99999999999999999999']]) {
      const r = await h.cli(['sem', `bad${bad[0]}`, ...bad]);
      assert.notEqual(r.code, 0, `sem ${bad.join(' ')} refused`);
      assert.match(r.stderr, /whole number/, `sem ${bad.join(' ')}: ${r.stderr}`);
    }
    assert.ok(!(await cl.resources()).resources.some((r) => r.name === 'badcreate'), 'nothing made of a bad create');
    await assert.rejects(cl.semaphore('nan').create(NaN), /whole number/);
    await assert.rejects(cl.semaphore('big').p(NaN), /whole number/);
    assert.ok(!(await cl.resources()).resources.some((r) => r.name === 'nan'), 'create(NaN) made nothing');
  });
});
