// popen/pclose and coprocesses as jobs of the daemon (issue 12): the seed's add2 filter as a
// coprocess, popen 'r' and 'w' with pclose's wait status, an accounting record, and a command
// that goes on after its caller has exited.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

// The seed's "Simple filter to add two numbers", as printed (apue's MAXLINE is 4096).
const ADD2 = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define MAXLINE 4096
int main(void) {
  int n, int1, int2;
  char line[MAXLINE];
  while ((n = read(STDIN_FILENO, line, MAXLINE)) > 0) {
    line[n] = 0;
    if (sscanf(line, "%d%d", &int1, &int2) == 2) {
      sprintf(line, "%d\\n", int1 + int2);
      n = strlen(line);
      if (write(STDOUT_FILENO, line, n) != n) exit(1);
    } else {
      if (write(STDOUT_FILENO, "invalid args\\n", 13) != 13) exit(1);
    }
  }
  exit(0);
}
`;

/** The next chunk the stream gives (the filter answers each line with one write). */
async function nextChunk(s: Readable): Promise<string> {
  for (;;) {
    const d = s.read() as Buffer | null;
    if (d) return d.toString('utf8');
    await once(s, 'readable');
  }
}

describe('popen and coprocesses', () => {
  const h = new TestHome();
  let add2 = '';
  before(async () => {
    add2 = join(h.home, 'add2');
    const cc = spawnSync('cc', ['-O2', '-o', add2, h.write('add2.c', ADD2)], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    await h.up('programs: {}\n');
  });
  after(() => h.cleanup());

  test("the seed's add2 filter as a coprocess: 3 4 -> 7, x -> invalid args", async () => {
    const c = await h.api();
    const co = await c.coprocess([add2], { name: 'add2' });
    co.stdin.write('3 4\n');
    assert.equal(await nextChunk(co.stdout), '7\n');
    co.stdin.write('x\n');
    assert.equal(await nextChunk(co.stdout), 'invalid args\n');
    co.stdin.write('40 2\n');
    assert.equal(await nextChunk(co.stdout), '42\n');
    co.stdin.end();
    co.stdout.resume(); // to its end
    assert.equal(await co.wait(), 0, 'it ended at EOF with exit(0)');
    // The end reaches the caller straight from the helper; the daemon stores the record with the
    // events of its group (a few ms later).
    await waitFor(`the job's accounting record (pid ${co.pid}, exit 0)`, async () => {
      const recs = await c.acct({ program: 'add2' });
      return recs.some((r) => r.pid === co.pid && r.exitCode === 0);
    }, 20_000);
  });

  test("popen 'r': the command's output, and pclose's wait status", async () => {
    const c = await h.api();
    const r = await c.popen('seq 1 3; exit 3', 'r');
    let text = '';
    for await (const d of r) text += String(d);
    assert.equal(text, '1\n2\n3\n');
    assert.equal(await r.close(), 3 << 8, 'exit(3) as a wait status');
    const k = await c.popen(['sh', '-c', 'kill -TERM $$'], 'r');
    k.resume();
    assert.equal(await k.close(), 15, 'killed by SIGTERM: the signal number');
  });

  test("popen 'r' read late: nothing of the output is lost, the command waits for its reader", async () => {
    const c = await h.api();
    // ~15 MB: more than the helper queues for a client (4 MB) and the pipes hold.
    const r = await c.popen(['seq', '1', '2000000'], 'r');
    r.pause();
    // The command is held back in its write while nobody reads (not dropped, not finished).
    const job = r.job;
    await waitFor('seq to be blocked in a write to its pipe', async () => {
      const j = (await c.jobs()).find((x) => x.number === job);
      const pid = j?.pids[0];
      return pid != null && readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('pipe_write');
    });
    let lines = 0;
    let last = '';
    for await (const d of r) {
      const s = String(d);
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++;
      last = (last + s).slice(-16);
    }
    assert.equal(lines, 2_000_000, 'every line came through');
    assert.ok(last.endsWith('\n2000000\n'), `the last line: ${JSON.stringify(last)}`);
    assert.equal(await r.close(), 0);
  });

  test("pclose of popen 'r' before the end of the output: SIGPIPE ends the command, as popen's pipe does; no job is left", async () => {
    const c = await h.api();
    const r = await c.popen('yes', 'r');
    for await (const d of r) { assert.match(String(d), /^y\n/); break; }
    assert.equal(await r.close(), 13, 'killed by SIGPIPE: the signal number, as pclose gives it');
    await waitFor('the yes job gone from jobs', async () => !(await c.jobs()).some((j) => j.number === r.job && j.status.kind === 'running'));
    const s = await c.popen(['seq', '1', '100000000'], 'r'); // never read at all
    assert.equal(await s.close(), 13);
    // One that writes no more after the close is waited for, as pclose does: not killed.
    const mark = join(h.home, 'after-close');
    const q = await c.popen(`echo first; sleep 0.5; touch ${mark}`, 'r');
    for await (const d of q) { assert.match(String(d), /^first/); break; }
    assert.equal(await q.close(), 0, 'its own status');
    assert.ok(existsSync(mark), 'it did what it does after its last line');
  });

  test("popen 'w' into a command that has ended with data in flight: close() gives its status, a write EPIPE", async () => {
    const c = await h.api();
    for (let i = 0; i < 3; i++) {
      const w = await c.popen('true', 'w');
      const errors: string[] = [];
      w.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
      w.write(Buffer.alloc(2_000_000));
      assert.equal(await w.close(), 0, `round ${i}: true's status`);
      assert.ok(errors.every((e) => e === 'EPIPE'), `only EPIPE, got ${errors.join(', ')}`);
    }
  });

  test("popen 'w' into a command that reads late: every byte arrives", async () => {
    const c = await h.api();
    const out = join(h.home, 'late.txt');
    const w = await c.popen(['sh', '-c', `sleep 1; wc -c > ${out}`], 'w');
    const chunk = Buffer.alloc(1 << 20, 120);
    for (let i = 0; i < 20; i++) if (!w.write(chunk)) await once(w, 'drain');
    assert.equal(await w.close(), 0);
    assert.equal(readFileSync(out, 'utf8').trim(), String(20 << 20), 'all 20 MB (the helper queues 1 MB of input)');
  });

  test("popen 'w': the command reads what is written; close() ends its input and waits", async () => {
    const c = await h.api();
    const out = join(h.home, 'w.txt');
    const w = await c.popen(['sh', '-c', `tr a-z A-Z > ${out}`], 'w');
    w.write('hello ');
    w.write('world\n');
    assert.equal(await w.close(), 0);
    assert.equal(readFileSync(out, 'utf8'), 'HELLO WORLD\n');
  });

  test('the command outlives its caller', async () => {
    const done = join(h.home, 'done.txt');
    // A caller that starts the command and exits at once, without closing it.
    const script = `import { connect } from ${JSON.stringify(join(CLI, '../../client/index.js'))};
const c = await connect({ autostart: false });
const w = await c.popen(['sh', '-c', 'read x; sleep 0.3; echo "$x" > ${done}'], 'w');
w.write('still here\\n');
await new Promise((r) => setTimeout(r, 100));
process.exit(0);
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: h.env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    await waitFor('the command finished after its caller had gone', () => existsSync(done) && readFileSync(done, 'utf8') === 'still here\n');
  });
});
