// `fifos:` (issue 12): made on `up` with their mode (and owner, for programs that run as another
// user), named by programs as stdin/stdout, opened without ever blocking appinit, removed on `down`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { lookupUser } from '../../src/os/proc/index.js';
import { TestHome } from './harness.js';

describe('fifos', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a FIFO pair: the reader waits in its open while appinit answers; data flows once the writer starts; down removes it', async () => {
    const f1 = join(h.home, 'f1');
    const f2 = join(h.home, 'f2');
    await h.up(`fifos:
  f1: { path: ./f1, mode: 0600 }
  f2: { path: ./f2, mode: 0660 }
programs:
  listener:
    command: sh -c 'cat > got.txt'
    cwd: ${h.home}
    stdin: { fifo: f1 }
    restart: never
    ready: 0
  talker:
    command: seq 1 1000
    stdout: { fifo: f1 }
    restart: never
    autostart: false
    ready: 0
  other:
    command: cat
    user: nobody
    cwd: /
    stdin: { fifo: f2 }
    autostart: false
`);
    const st = lstatSync(f1);
    assert.ok(st.isFIFO(), 'f1 is a FIFO');
    assert.equal(st.mode & 0o777, 0o600);
    const nobody = lookupUser('nobody')!;
    const st2 = lstatSync(f2);
    assert.equal(st2.mode & 0o777, 0o660);
    assert.equal(st2.uid, nobody.uid, 'a FIFO of a program that runs as nobody belongs to nobody');
    // The listener sits in open(2) until a writer comes; the daemon and its helper do not.
    const waiting = await h.waitJob('listener', 'opening the FIFO', (j) => j.opening === f1);
    assert.equal(waiting.state, 'starting');
    const st3 = await h.cli(['status', 'listener']);
    assert.match(st3.stdout, /starting \(opening .*f1\)/);
    const r = await h.cli(['start', 'talker']);
    assert.equal(r.code, 0, r.stderr);
    const done = await h.waitJob('listener', 'exited after EOF', (j) => j.state === 'exited', 30_000);
    assert.equal(done.lastExit?.text, 'exit(0)');
    assert.equal(readFileSync(join(h.home, 'got.txt'), 'utf8'), spawnSync('seq', ['1', '1000'], { encoding: 'utf8' }).stdout);
    const down = await h.cli(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(!existsSync(f1), 'down removed f1');
    assert.ok(!existsSync(f2), 'down removed f2');
  });

  test('up --dry-run refuses what up refuses: a path that is not a FIFO, a missing directory', async () => {
    const reg = h.write('regular.file', 'x\n');
    for (const path of [reg, join(h.home, 'nodir', 'x.fifo')]) {
      const file = h.write('dry.yaml', `fifos:\n  f: ${path}\nprograms:\n  a: { command: cat, stdin: { fifo: f } }\n`);
      const dry = await h.cli(['up', '--dry-run', file]);
      const real = await h.cli(['up', file]);
      assert.equal(dry.code, 1, `--dry-run of ${path}: ${dry.stdout}`);
      const said = (t: string) => t.replace(/^appinit: started the daemon.*\n/m, '');
      assert.equal(said(dry.stderr), said(real.stderr), 'the same error as up');
      assert.match(dry.stderr, /fifos\.f: .*(exists and is not a FIFO|its directory does not exist)/);
    }
  });
});
