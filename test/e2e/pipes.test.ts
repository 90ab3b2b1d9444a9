// Pipes between programs (issue 12): `stdin: { from: producer }`. appinit holds both ends, so a
// reader killed and restarted in the middle loses nothing it had not read and its writer never
// dies of SIGPIPE; several readers each get every byte; the seed's tee topology with programs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatSize } from '../../src/config/units.js';
import { alive, TestHome, waitFor } from './harness.js';

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

describe('pipes between programs', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('100,000 lines through a pipe, the reader killed with SIGKILL and restarted in the middle', async () => {
    const out = join(h.home, 'out.txt');
    // 100,000 lines (589 KB) do not fit in the pipe (64 KiB): the writer is blocked in write(2)
    // when the reader is killed, which in a shell pipeline gets it EPIPE and SIGPIPE at once.
    // The reader takes one line at a time (sh's read reads a pipe byte by byte, never ahead), so
    // the only line the killed reader can take with it is the one it had read and not yet written.
    await h.up(`programs:
  writer:
    command: sh -c 'seq 1 100000; touch written'
    cwd: ${h.home}
    restart: never
    ready: 0
  reader:
    command: sh -c 'while IFS= read -r l; do echo "$l" >> out.txt; done'
    cwd: ${h.home}
    stdin: { from: writer }
    restart: on-failure
    backoff: { initial: 3s }
    ready: 0
`);
    const first = await h.waitJob('reader', 'running', (j) => j.state === 'running' && j.pid != null);
    const writer = await h.waitJob('writer', 'running', (j) => j.state === 'running' && j.pid != null);
    await waitFor('the reader wrote 20,000 lines', () => lines(out).length >= 20_000, 60_000);
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('the killed reader is gone', () => !alive(first.pid!));
    const before = lines(out).map(Number);
    // While no process reads the pipe: the writer is alive, blocked on the full pipe appinit holds.
    const c = await h.api();
    const pipe = await waitFor('the pipe is full', async () => (await c.pipes()).find((p) => p.name === 'writer.stdout' && p.fill > 0 && p.fill >= p.capacity - 4096));
    const mid = await h.status();
    assert.equal(mid.find((j) => j.name === 'reader')!.pid, null, 'no reader runs yet (backoff 3s)');
    assert.ok(alive(writer.pid!), 'the writer is alive with nobody reading (no SIGPIPE)');
    assert.equal(mid.find((j) => j.name === 'writer')!.state, 'running');
    assert.ok(!existsSync(join(h.home, 'written')), `the writer is still writing (${pipe.fill} bytes wait in the pipe)`);
    const w = await h.waitJob('writer', 'exited', (j) => j.state === 'exited', 60_000);
    assert.equal(w.lastExit?.text, 'exit(0)', 'the writer was never killed by SIGPIPE');
    assert.equal(w.restarts, 0);
    const r = await h.waitJob('reader', 'ended after EOF', (j) => j.state === 'exited' && j.restarts === 1, 120_000);
    assert.equal(r.lastExit?.text, 'exit(0)', 'the restarted reader saw EOF once the writer had ended for good');
    const got = lines(out);
    assert.equal(got[0], '1');
    assert.equal(got[got.length - 1], '100000', 'the last line arrived');
    // Every line, in order, except the one the killed reader was reading: the bytes of it that it
    // had read went with it (a whole line, a part of one, or nothing), the rest came to the next.
    const k = before.length;
    assert.deepEqual(got.slice(0, k).map(Number), before, 'what the first reader wrote is still there');
    const next = before[k - 1] + 1;
    const rest = got.slice(k);
    let from = next;
    if (rest[0] !== String(next)) {
      const partial = String(next).endsWith(rest[0]) && rest[0] !== String(next);
      assert.ok(partial || rest[0] === String(next + 1), `after ${next - 1} came ${rest[0]}: only what the killed reader had read of line ${next} may be missing`);
      if (partial) rest.shift();
      from = next + 1;
    }
    const expectRest = [];
    for (let i = from; i <= 100_000; i++) expectRest.push(String(i));
    assert.deepEqual(rest, expectRest, 'every later line, in order');
  });

  test('two readers of one producer each get every line; the slow one holds the producer back', async () => {
    await h.up(`programs:
  numbers:
    command: seq 1 100000
    restart: never
    ready: 0
  fast:
    command: sh -c 'cat > fast.txt'
    cwd: ${h.home}
    stdin: { from: numbers }
    restart: never
    ready: 0
  slow:
    command: sh -c 'sleep 1; cat > slow.txt'
    cwd: ${h.home}
    stdin: { from: numbers }
    restart: never
    ready: 0
`);
    const pipes = await (await h.api()).pipes();
    const p = pipes.find((x) => x.name === 'numbers.stdout');
    assert.ok(p, `numbers.stdout is listed: ${JSON.stringify(pipes)}`);
    assert.equal(p.mode, 'tee');
    assert.deepEqual(p.readers.map((r) => r.name), ['fast', 'slow']);
    for (const name of ['fast', 'slow']) await h.waitJob(name, 'exited after EOF', (j) => j.state === 'exited', 60_000);
    const want = spawnSync('seq', ['1', '100000'], { encoding: 'utf8' }).stdout;
    assert.equal(readFileSync(join(h.home, 'fast.txt'), 'utf8'), want, 'fast got every byte');
    assert.equal(readFileSync(join(h.home, 'slow.txt'), 'utf8'), want, 'slow got every byte');
  });

  // The daemon keeps the list of jobs that read a pipe between spawns (issue 17); a reader that
  // `up` adds or removes is in the producer's next spawn.
  test('a reader added by a later up gets the producer\'s lines; one removed is no longer fed', async () => {
    const file = (readers: string[]) => `programs:
  ticks:
    command: sh -c 'while :; do echo tick; sleep 0.05; done'
    ready: 0
${readers.map((r) => `  ${r}:
    command: sh -c 'cat > ${r}.txt'
    cwd: ${h.home}
    stdin: { from: ticks }
    ready: 0
`).join('')}`;
    const readersNow = async () => (await (await h.api()).pipes()).find((x) => x.name === 'ticks.stdout')?.readers.map((r) => r.name) ?? [];
    await h.up(file(['one']));
    await waitFor('one reads ticks', async () => lines(join(h.home, 'one.txt')).length > 0, 10_000);
    await h.up(file(['one', 'two']));
    await waitFor('ticks feeds one and two', async () => (await readersNow()).join() === 'one,two', 10_000);
    await waitFor('two reads ticks', async () => lines(join(h.home, 'two.txt')).length > 0, 10_000);
    await h.up(file(['one']));
    await waitFor('ticks feeds one alone', async () => (await readersNow()).join() === 'one', 10_000);
    await h.up('programs: {}\n');
  });

  test("the seed's prog1 < infile | tee fifo1 | prog2 with prog3 < fifo1, written with programs alone", async () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `word${(i * 7919) % 20_000} line ${i}`).join('\n') + '\n';
    const infile = h.write('infile', words);
    // The shell's way, as the seed writes it, for the expected outputs.
    const dir = h.home;
    const sh = spawnSync('sh', ['-c', `cd ${dir} && mkfifo fifo1 && { sort < fifo1 > sh3.txt & tr a-z A-Z < infile | tee fifo1 | wc -l > sh2.txt; wait; }; rm -f fifo1`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(sh.status, 0, sh.stderr);
    await h.up(`programs:
  prog1:
    command: tr a-z A-Z
    stdin: ${infile}
    restart: never
    ready: 0
  prog2:
    command: sh -c 'wc -l > p2.txt'
    cwd: ${dir}
    stdin: { from: prog1 }
    restart: never
    ready: 0
  prog3:
    command: sh -c 'sort > p3.txt'
    cwd: ${dir}
    stdin: { from: prog1 }
    restart: never
    ready: 0
`);
    for (const name of ['prog2', 'prog3']) await h.waitJob(name, 'exited', (j) => j.state === 'exited', 60_000);
    assert.equal(readFileSync(join(dir, 'p2.txt'), 'utf8'), readFileSync(join(dir, 'sh2.txt'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'p3.txt'), 'utf8'), readFileSync(join(dir, 'sh3.txt'), 'utf8'));
  });

  test('a kill -9 of the supervise helper in the middle of a tee loses nothing: the next helper takes the pipes back', async () => {
    await h.up(`programs:
  big:
    command: seq 1 1000000
    restart: never
    ready: 0
  left:
    command: sh -c 'while [ ! -e go ]; do sleep 0.02; done; cat > left.txt'
    cwd: ${h.home}
    stdin: { from: big }
    restart: never
    ready: 0
  right:
    command: sh -c 'cat > right.txt'
    cwd: ${h.home}
    stdin: { from: big }
    restart: never
    ready: 0
`);
    // left does not read yet: its pipe fills, the tee holds the rest back.
    const c = await h.api();
    await waitFor('left\'s pipe is full', async () => (await c.pipes()).find((p) => p.name === 'big.stdout' && p.readers.some((r) => r.name === 'left' && r.fill > 0 && r.fill >= (r.capacity ?? 0) - 4096)), 30_000);
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper is gone', () => !alive(helper));
    await waitFor('a new helper runs', () => { try { const p = h.helperPid(); return p !== helper && alive(p); } catch { return false; } }, 20_000);
    writeFileSync(join(h.home, 'go'), '');
    for (const name of ['left', 'right']) await h.waitJob(name, 'exited after EOF', (j) => j.state === 'exited', 60_000);
    const want = spawnSync('seq', ['1', '1000000'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    assert.ok(readFileSync(join(h.home, 'left.txt'), 'utf8') === want, 'left got every byte');
    assert.ok(readFileSync(join(h.home, 'right.txt'), 'utf8') === want, 'right got every byte');
  });

  test('a producer stopped and started again, then a kill -9 of the helper: the pipe is kept, the producer runs on, both readers are fed', async () => {
    await h.up(`programs:
  gen:
    command: sh -c 'i=0; while :; do i=$((i+1)); echo "gen $i"; sleep 0.01; done'
  r1:
    command: sh -c 'cat >> r1.txt'
    cwd: ${h.home}
    stdin: { from: gen }
  r2:
    command: sh -c 'cat >> r2.txt'
    cwd: ${h.home}
    stdin: { from: gen }
`);
    await h.waitJob('gen', 'running', (j) => j.state === 'running');
    const lines = (f: string) => { try { return readFileSync(join(h.home, f), 'utf8').split('\n').length - 1; } catch { return 0; } };
    await waitFor('both readers fed', () => lines('r1.txt') > 10 && lines('r2.txt') > 10);
    assert.equal((await h.cli(['stop', 'gen'])).code, 0);
    assert.equal((await h.cli(['start', 'gen'])).code, 0);
    await h.waitJob('gen', 'running again', (j) => j.state === 'running');
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('a new helper runs', () => { try { const p = h.helperPid(); return p !== helper && alive(p); } catch { return false; } }, 20_000);
    // The producer lost its pipe with the old helper's copy of its ends (the holder had dropped them
    // once the stopped producer's pipe hung up): every start of it then failed, "No such file".
    const [a, b] = [lines('r1.txt'), lines('r2.txt')];
    await waitFor('both readers fed after the helper came back', () => lines('r1.txt') > a + 20 && lines('r2.txt') > b + 20, 20_000);
    const gen = (await h.status()).find((j) => j.name === 'gen')!;
    assert.equal(gen.state, 'running', `gen: ${gen.state} ${gen.reason ?? ''}`);
    await h.cli(['stop', 'gen', 'r1', 'r2']);
  });

  test('status shows the pipe and how full it is (text and --json)', async () => {
    await h.up(`programs:
  burst:
    command: sh -c 'seq 1 10000; sleep 600'
    ready: 0
  sleeper:
    command: sh -c 'sleep 600'
    stdin: { from: burst }
    ready: 0
`);
    const size = spawnSync('seq', ['1', '10000']).stdout.length;
    await waitFor('the burst is in the pipe', async () => (await (await h.api()).pipes()).find((p) => p.name === 'burst.stdout' && p.fill === size), 15_000);
    const text = await h.cli(['status']);
    assert.match(text.stdout, /^PIPE\s+MODE\s+FILL\s+READERS$/m);
    assert.match(text.stdout, new RegExp(`^burst\\.stdout\\s+direct\\s+${formatSize(size).replace('.', '\\.')}/\\S+\\s+sleeper$`, 'm'));
    assert.doesNotMatch(text.stdout, /numbers\.stdout|writer\.stdout/, 'pipes of programs no longer loaded are gone');
    const json = JSON.parse((await h.cli(['status', '--json'])).stdout) as { name: string; pipes?: { name: string; role: string; fill: number; capacity: number }[] }[];
    const burst = json.find((j) => j.name === 'burst')?.pipes;
    assert.deepEqual(burst, [{ name: 'burst.stdout', role: 'writes', fill: size, capacity: burst?.[0]?.capacity }]);
    assert.ok((burst?.[0]?.capacity ?? 0) >= 65536);
    assert.equal(json.find((j) => j.name === 'sleeper')?.pipes?.[0].role, 'reads');
  });
});
