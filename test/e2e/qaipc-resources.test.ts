// A user's checks of issues 9 and 11 through the real CLI and a real daemon: wrong input gets a
// clear error, a non-zero status and changes nothing; ipcs filters its appinit sections as it
// filters the kernel's and shows the give-back events; the matrix exercise exits 1 on a deadlock
// in --json too; the daemon counts the deadlocks it refused (for /metrics).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

const node = process.execPath;

describe('qaipc: resources from the shell', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  test('an operation on a resource that does not exist: a clear error, status 1, not an internal error', async () => {
    await h.cli(['info']);
    for (const args of [['sem', 'nosuch', 'P'], ['sem', 'nosuch', 'V'], ['sem', 'nosuch', 'Z'], ['mq', 'nosuch', 'send', 'x'], ['mq', 'nosuch', 'recv', '--nowait']]) {
      const r = await h.cli(args);
      assert.equal(r.code, 1, `appinit ${args.join(' ')}: status 1 (${r.stderr})`);
      assert.match(r.stderr, /no resource named "nosuch"/, `appinit ${args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /internal error/, `appinit ${args.join(' ')}`);
    }
    assert.equal((await (await h.api()).resources()).resources.length, 0, 'nothing was created');
  });

  test('mq create --max-bytes that is not a number ≥ 1: a usage error, nothing created or changed', async () => {
    for (const v of ['abc', '-5', '0', '1.5']) {
      const r = await h.cli(['mq', 'q3', 'create', '--max-bytes', v]);
      assert.equal(r.code, 2, `--max-bytes ${v}: status 2 (${r.stderr})`);
      assert.match(r.stderr, /max-bytes/);
    }
    assert.equal((await (await h.api()).resources()).resources.find((x) => x.name === 'q3'), undefined, 'q3 was not created');
    assert.equal((await h.cli(['mq', 'q3', 'create', '--max-bytes', '100'])).code, 0);
    const r = await h.cli(['mq', 'q3', 'create', '--max-bytes', '-5']);
    assert.equal(r.code, 2, `an existing queue does not make a bad --max-bytes right: ${r.stderr}`);
  });

  test('create of a resource that exists with other settings is an error naming them; the same settings are fine', async () => {
    assert.equal((await h.cli(['sem', 'gpu', 'create', '2'])).code, 0);
    assert.equal((await h.cli(['sem', 'gpu', 'create', '2'])).code, 0, 'the same create again is fine (as semget without IPC_EXCL)');
    const r = await h.cli(['sem', 'gpu', 'create', '3']);
    assert.equal(r.code, 1, `create 3 over a semaphore of 2: status 1 (${r.stderr})`);
    assert.match(r.stderr, /gpu exists as a semaphore of 2 with mode 0600, not a semaphore of 3 with mode 0600 as asked; remove it first \(appinit ipcrm gpu\) or create it as it is/, 'a command names no file');
    const m = await h.cli(['sem', 'gpu', 'create', '2', '--mode', '0660']);
    assert.equal(m.code, 1, `another mode: status 1 (${m.stderr})`);
    const q = await h.cli(['mq', 'q3', 'create', '--max-bytes', '200']);
    assert.equal(q.code, 1, `another byte limit: status 1 (${q.stderr})`);
    assert.match(q.stderr, /q3 exists as a queue of 100 bytes/);
    assert.equal((await h.cli(['sem', 'gpu', 'get'])).stdout, '2\n', 'gpu unchanged');
  });

  test('ipcs -q shows only queues (appinit\'s too), -m no appinit section, -s semaphores and mutexes', async () => {
    await h.cli(['lock', 'db', '--', 'true']);
    const q = (await h.cli(['ipcs', '-q'])).stdout;
    assert.match(q, /------ appinit Message Queues --------/);
    assert.doesNotMatch(q, /Semaphore|Mutexes|Shared Memory/, q);
    const m = (await h.cli(['ipcs', '-m'])).stdout;
    assert.doesNotMatch(m, /appinit/, m);
    const s = (await h.cli(['ipcs', '-s'])).stdout;
    assert.match(s, /------ appinit Semaphores --------/);
    assert.match(s, /------ appinit Mutexes --------/);
    assert.doesNotMatch(s, /Message Queues|Shared Memory/, s);
    // Every section ends with an empty line, as util-linux ends its own.
    assert.ok(s.endsWith('\n\n'), JSON.stringify(s.slice(-40)));
    const json = JSON.parse((await h.cli(['ipcs', '-q', '--json'])).stdout);
    assert.deepEqual(json.appinit.resources.map((r: { kind: string }) => r.kind), ['queue']);
  });

  test('ipcs (text) shows the give-back events: a unit taken with --undo by a killed holder', async () => {
    const holder = spawn(node, [CLI, 'sem', 'gpu', 'P', '2', '--undo'], { env: h.env, stdio: 'ignore' });
    await new Promise((r) => holder.once('exit', r));
    await waitFor('gpu back to 2', async () => (await h.cli(['sem', 'gpu', 'get'])).stdout === '2\n', 20_000);
    const out = (await h.cli(['ipcs'])).stdout;
    assert.match(out, /------ appinit Events --------/, out);
    assert.match(out, /gpu: 2 unit\(s\) given back after pid \d+ \(node\) ended/, out);
    assert.doesNotMatch((await h.cli(['ipcs', '-q'])).stdout, /given back/, 'a queue listing has no semaphore events');
  });

  test('deadlock --matrix --json exits 1 on a deadlock, as the text form does', async () => {
    const f = h.write('dl.yaml', 'existing: [1, 1]\nallocation: { A: [1, 0], B: [0, 1] }\nrequest: { A: [0, 1], B: [1, 0] }\n');
    const t = await h.cli(['deadlock', '--matrix', f]);
    assert.equal(t.code, 1);
    const j = await h.cli(['deadlock', '--matrix', f, '--json']);
    assert.deepEqual(JSON.parse(j.stdout).deadlocked, ['A', 'B']);
    assert.equal(j.code, 1, 'status 1 with --json too');
    const none = h.write('none.yaml', 'existing: [1]\nallocation: {}\nrequest: {}\n');
    const n = await h.cli(['deadlock', '--matrix', none]);
    assert.equal(n.code, 0);
    assert.match(n.stdout, /No deadlock: there are no processes\.\n$/, 'no empty "order ." sentence');
  });

  test('a refused deadlock is counted in the resources service\'s stats (deadlocksRefused)', async () => {
    const c = await h.api();
    const before = (await c.resources()) as unknown as { stats?: { deadlocksRefused: number } };
    assert.equal(before.stats?.deadlocksRefused, 0, 'GET /v1/resources has stats.deadlocksRefused = 0 at first');
    // Each says it holds its first lock and asks for the second only once the other holds its own
    // (a sleep instead let one finish alone when the other's start came late, as under load).
    const held = (name: string) => `${h.home}/held-${name}`;
    const lock = (outer: string, inner: string) =>
      `${node} ${CLI} lock ${outer} -- sh -c 'touch ${held(outer)}; while [ ! -e ${held(inner)} ]; do sleep 0.05; done; ${node} ${CLI} lock ${inner} -- true'`;
    await h.up(`programs:\n  a:\n    command: ${JSON.stringify(lock('m1', 'm2'))}\n    shell: true\n    restart: never\n    ready: 0\n` +
      `  b:\n    command: ${JSON.stringify(lock('m2', 'm1'))}\n    shell: true\n    restart: never\n    ready: 0\n`);
    await Promise.all(['a', 'b'].map((n) => h.waitJob(n, 'ended', (j) => j.state === 'exited', 20_000)));
    const now = (await c.resources()) as unknown as { stats?: { deadlocksRefused: number } };
    assert.equal(now.stats?.deadlocksRefused, 1, 'one deadlock refused');
  });
});

describe('qaipc: ipc: in the control file', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  test('two objects whose names give the same APPINIT_IPC_ variable: an error at the second, nothing made', async () => {
    await h.cli(['info']);
    const f = h.write('app.yaml', 'ipc:\n  a-b: { shm: { size: 10 } }\n  a_b: { shm: { size: 10 } }\nprograms:\n  p: { command: sleep 100 }\n');
    const r = await h.cli(['up', f]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /app\.yaml:3:3: ipc\.a_b: .*APPINIT_IPC_A_B.*"a-b"/);
    assert.equal((await h.status()).length, 0, 'no program was added');
  });
});

describe('qaipc: ipcrm -a takes its argument as util-linux does', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  // -a has an optional argument glued to it (getopt "a::"): `-ashm` removes only segments, and
  // `-afoo` / `-a=foo` are refused before anything is removed. (Only the refusals are run here:
  // a real -a would remove every object on the machine.)
  test('-afoo and -a=foo: util-linux\'s message and status, nothing removed', async () => {
    const made = spawnSync('ipcmk', ['-Q'], { encoding: 'utf8' });
    const id = /id: (\d+)/.exec(made.stdout)?.[1];
    assert.ok(id, `ipcmk -Q made a queue: ${made.stdout}${made.stderr}`);
    try {
      for (const arg of ['-afoo', '-a=foo', '-ashmx']) {
        const u = spawnSync('ipcrm', [arg], { encoding: 'utf8' });
        const a = await h.cli(['ipcrm', arg]);
        assert.equal(a.code, u.status, `${arg}: status as util-linux (${a.stderr})`);
        assert.equal(a.stderr.replace(/^appinit ipcrm/gm, 'ipcrm'), u.stderr, `${arg}: the same message`);
        assert.equal(spawnSync('ipcs', ['-q', '-i', id], { encoding: 'utf8' }).status, 0, `${arg}: queue ${id} still exists`);
      }
    } finally {
      spawnSync('ipcrm', ['-q', id]);
    }
  });
});

describe('qaipc: appinit lock killed with SIGKILL', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  // As flock(1), whose descriptor the command inherits: the lock goes with CMD. Killing the
  // `appinit lock` process must not let a second command into the section while the first runs.
  test('the lock stays held while CMD runs, and is given back when CMD ends', async () => {
    await h.cli(['info']);
    const holder = spawn(node, [CLI, 'lock', 'L', '--', 'sh', '-c', 'echo $$; exec sleep 60'], { env: h.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const cmdPid = await new Promise<number>((resolve, reject) => {
      holder.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      holder.once('exit', () => reject(new Error('appinit lock ended before its command started')));
    });
    try {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
      // The daemon's sweep looks at holders every 500 ms: three rounds 400 ms apart span several sweeps.
      for (let i = 0; i < 3; i++) {
        const r = await h.cli(['lock', '-n', 'L', '--', 'true']);
        assert.equal(r.code, 1, `round ${i}: L must stay held while the first command (pid ${cmdPid}) runs`);
        await new Promise((r) => setTimeout(r, 400)); // spacing rounds across sweeps, not a wait for an event
      }
    } finally {
      try { process.kill(cmdPid, 'SIGKILL'); } catch { /* gone */ }
    }
    await waitFor('L given back once the command ended', async () => (await h.cli(['lock', '-n', 'L', '--', 'true'])).code === 0, 10_000);
  });

  test('the same across a kill -9 of the daemon: the next daemon knows CMD holds the lock', async () => {
    const holder = spawn(node, [CLI, 'lock', 'L2', '--', 'sh', '-c', 'echo $$; exec sleep 60'], { env: h.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const cmdPid = await new Promise<number>((resolve, reject) => {
      holder.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      holder.once('exit', () => reject(new Error('appinit lock ended before its command started')));
    });
    try {
      process.kill(h.daemonPid(), 'SIGKILL');
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
      h.reconnect();
      for (let i = 0; i < 3; i++) {
        const r = await h.cli(['lock', '-n', 'L2', '--', 'true']); // the first one starts the next daemon
        assert.equal(r.code, 1, `round ${i}: L2 must stay held while the first command (pid ${cmdPid}) runs`);
        await new Promise((r) => setTimeout(r, 400)); // spacing rounds across sweeps, not a wait for an event
      }
    } finally {
      try { process.kill(cmdPid, 'SIGKILL'); } catch { /* gone */ }
    }
    await waitFor('L2 given back once the command ended', async () => (await h.cli(['lock', '-n', 'L2', '--', 'true'])).code === 0, 10_000);
  });
});

describe('qaipc: msgrcv\'s rule with receivers waiting', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  // A receiver waits only when nothing in the queue matches its type; one waiting for type 5
  // must not hold back a receive of any type while a message of type 3 is there (as msgrcv).
  test('recv --type 0 gets the queued type-3 message at once while another receiver waits for type 5', async () => {
    await h.cli(['info']);
    assert.equal((await h.cli(['mq', 'fifo', 'create'])).code, 0);
    assert.equal((await h.cli(['mq', 'fifo', 'send', '--type', '3', 'three'])).code, 0);
    const w5 = spawn(node, [CLI, 'mq', 'fifo', 'recv', '--type', '5'], { env: h.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out5 = '';
    w5.stdout.on('data', (d) => (out5 += d));
    const ended = new Promise((resolve) => w5.once('close', resolve)); // taken now: it may end before we look
    const c = await h.api();
    await waitFor('the type-5 receiver waits', async () => (await c.resources()).resources.find((r) => r.name === 'fifo')?.waiters.length === 1);
    const r = await h.cli(['mq', 'fifo', 'recv', '--type', '0', '--json'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).data, 'three');
    assert.equal((await h.cli(['mq', 'fifo', 'send', '--type', '5', 'five'])).code, 0);
    await ended;
    assert.equal(out5, 'five\n', 'the waiting receiver got the type-5 message');
  });

  test('send without MESSAGE takes standard input (less one final newline); an empty input is a usage error', async () => {
    assert.equal((await h.cli(['mq', 'fifo', 'send'], { input: 'line one\nline two\n' })).code, 0);
    const r = await h.cli(['mq', 'fifo', 'recv', '--json']);
    assert.equal(JSON.parse(r.stdout).data, 'line one\nline two');
    const empty = await h.cli(['mq', 'fifo', 'send'], { input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /standard input is empty: give MESSAGE/);
    assert.equal((await h.cli(['mq', 'fifo', 'recv', '--nowait'])).code, 1, 'nothing was queued');
  });
});

describe('qaipc: ipcrm parses ids and keys as util-linux does', () => {
  const h = new TestHome('appinit-qaipc-');
  after(() => h.cleanup());

  // Ids as strtos32_or_err (base 10, out of range said so), keys as strtoul(…, 0) taken as key_t:
  // -1 is the key 0xffffffff (no such object), +5 is 5. None of these names an existing object.
  test('the same messages and statuses for odd ids and keys', async () => {
    await h.cli(['info']);
    for (const args of [['-m', '99999999999'], ['-q', '4294967296'], ['-q', '-5'], ['-q', '+5'], ['-q', '5x'], ['-Q', '-1'], ['-Q', '+5'],
      ['-Q', 'abc'], ['-Q', '12abc'], ['-Q', '0x'], ['-S', '99999999999']]) {
      const u = spawnSync('ipcrm', args, { encoding: 'utf8' });
      const a = await h.cli(['ipcrm', ...args]);
      assert.equal(a.code, u.status, `ipcrm ${args.join(' ')}: status (${a.stderr})`);
      assert.equal(a.stderr.replace(/^appinit ipcrm/gm, 'ipcrm'), u.stderr, `ipcrm ${args.join(' ')}: message`);
    }
  });
});

// What a user meets at the edges of the resource verbs: input that is not text, an output that
// fails, a lock wait with a limit, a lock removed while held. Nothing half-done, nothing lost.
describe('qaipc: resource verbs at their edges', () => {
  const h = new TestHome('appinit-qaedge-');
  after(() => h.cleanup());
  const sh = (script: string) => spawnSync('sh', ['-c', script], { env: { ...h.env, A: `${node} ${CLI}` }, encoding: 'utf8', timeout: 30_000 });

  test('mq send of bytes that are not UTF-8: refused naming the line and byte, nothing queued (they became U+FFFD)', async () => {
    assert.equal((await h.cli(['mq', 'lat', 'create'])).code, 0);
    const r = sh("printf 'ok\\ncaf\\351\\n' | $A mq lat send");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /mq send: standard input: line 2 is not valid UTF-8 \(byte 0xe9\)/);
    assert.equal((await h.cli(['mq', 'lat', 'recv', '--nowait'])).code, 1, 'nothing was queued');
    // A control file too, at its place, whether up reads it or the daemon does.
    const file = `${h.home}/latin1.yaml`;
    writeFileSync(file, Buffer.concat([Buffer.from('programs:\n  p:\n    command: echo caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const up = await h.cli(['up', file]);
    assert.equal(up.code, 1, up.stderr);
    assert.match(up.stderr, new RegExp(`${file}:3:22: not valid UTF-8 \\(byte 0xe9\\)`));
    assert.equal((await (await h.api()).status()).length, 0, 'nothing loaded');
  });

  test('mq recv whose output fails (a full disk, a reader gone) puts the message back: none lost', async () => {
    assert.equal((await h.cli(['mq', 'out', 'create'])).code, 0);
    assert.equal((await h.cli(['mq', 'out', 'send', 'order-1'])).code, 0);
    const full = sh('$A mq out recv > /dev/full');
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stderr, /ENOSPC[^\n]*\n[^\n]*the message could not be written; it is back in out/);
    const gone = sh('$A mq out recv | (exec 0<&-; sleep 1); echo "status ${PIPESTATUS:-}" >&2');
    assert.match(gone.stderr, /it is back in out/, gone.stderr);
    const r = await h.cli(['mq', 'out', 'recv', '--nowait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).data, 'order-1');
  });

  test('lock -w: 0 is -n (a free lock is taken, CMD runs); a wait that times out leaves the lock to nobody', async () => {
    const free = await h.cli(['lock', '-w', '0', 'wfree', '--', 'sh', '-c', 'exit 7']);
    assert.equal(free.code, 7, `lock -w 0 of a free lock runs CMD: ${free.stderr}`);
    assert.equal((await h.cli(['lock', '-w', '0.001', 'wfree', '--', 'true'])).code, 0, 'and so does a tiny limit');
    const inf = await h.cli(['lock', '-w', 'Infinity', 'wfree', '--', 'true']);
    assert.deepEqual([inf.code, inf.stderr], [2, 'appinit: -w: expected seconds, got "Infinity"\n']);
    const holder = h.cli(['lock', 'wheld', '--', 'sleep', '1.5']);
    await waitFor('wheld held', async () => (await h.cli(['ipcs', '-s'])).stdout.split('\n').some((l) => l.startsWith('wheld ') && /pid \d+/.test(l)));
    const held0 = await h.cli(['lock', '-w', '0', 'wheld', '--', 'echo', 'ran']);
    assert.deepEqual([held0.code, held0.stdout], [1, ''], 'held: -w 0 fails at once, CMD not run');
    const timed = await h.cli(['lock', '-w', '0.3', 'wheld', '--', 'echo', 'ran']);
    assert.deepEqual([timed.code, timed.stdout], [1, ''], 'held: -w 0.3 fails, CMD not run');
    assert.equal((await holder).code, 0);
    // The timed-out request was not granted later to its gone client: free at once.
    const next = await h.cli(['lock', '-n', 'wheld', '--', 'true']);
    assert.equal(next.code, 0, `free once its holder ended (${(await h.cli(['ipcs', '-s'])).stdout})`);
  });

  test('lock whose mutex is removed while CMD runs: CMD\'s status, and a note that it was not held to the end', async () => {
    const running = h.cli(['lock', 'goner', '--', 'sh', '-c', 'sleep 1.5; exit 3']);
    await waitFor('goner held', async () => (await h.cli(['ipcs', '-s'])).stdout.split('\n').some((l) => l.startsWith('goner ') && /pid \d+/.test(l)));
    assert.equal((await h.cli(['ipcrm', 'goner'])).code, 0);
    const r = await running;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /lock: goner was removed while the command ran/);
    assert.doesNotMatch(r.stderr, /create it first/);
  });
});
