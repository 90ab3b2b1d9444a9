// Reading logs as a person does: both streams in the order written, -n of the merged stream,
// --since per line, finished runs still reachable, hostile names refused, failures reported.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { unixTransport } from '../../src/client/transport.js';
import { streamFiles } from '../../src/core/logs/files.js';
import { fixture } from '../fixtures/fixtures.js';
import { CLI, TestHome, waitFor } from './harness.js';

// `logs` prints the local time first: `2026-12-01 23:46:57.123 `.
const TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /;
const text = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => l.replace(TIME, '').replace(/\r$/, ''));

describe('reading logs', () => {
  const h = new TestHome();
  const outside = mkdtempSync(join(tmpdir(), 'appinit-outside-'));
  after(async () => {
    await h.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });
  let progs = 'programs:\n';
  const up = (more: string) => h.up((progs += more));

  test('stdout and stderr come merged in the order written; -n counts merged lines; tail follows', async () => {
    // Alternating writes, each once the one before it is in its log file: the helper has read it
    // before the next is written (a fixed pause between them may be shorter than the helper's
    // turn under load, and two lines read in one turn may be stamped in either order).
    const dir = join(h.home, 'logs', 'alt');
    await up(`  alt:
    command: sh -c 'i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo "out $i"; until grep -qs " out $i\\$" ${dir}/out.log; do sleep 0.01; done; echo "err $i" >&2; until grep -qs " err $i\\$" ${dir}/err.log; do sleep 0.01; done; done'
    restart: never
`);
    await h.waitJob('alt', 'exited', (j) => j.state === 'exited', 20_000);
    const all = await h.cli(['logs', 'alt', '-n', '100']);
    assert.equal(all.code, 0, all.stderr);
    for (const l of all.stdout.trim().split('\n')) assert.match(l, TIME, 'every line timestamped by default');
    const want = Array.from({ length: 20 }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat();
    assert.deepEqual(text(all.stdout), want);
    assert.deepEqual(text((await h.cli(['logs', 'alt', '-n', '3'])).stdout), ['err 19', 'out 20', 'err 20'], '-n counts lines of the merged stream');
    assert.deepEqual(text((await h.cli(['logs', 'alt', '-n', '2', '--stdout'])).stdout), ['out 19', 'out 20']);
    const json = (await h.cli(['logs', 'alt', '-n', '2', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(json.map((j) => j.stream), ['stdout', 'stderr']);
    assert.ok(json[0].time <= json[1].time);
    // `| head -1` ends quietly.
    const head = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" logs alt -n 100 | head -1`], { env: h.env, encoding: 'utf8' });
    assert.equal(head.stderr, '', 'nothing on stderr');
    assert.equal(text(head.stdout)[0], 'out 1');
    // tail = logs -f.
    const tail = spawn(process.execPath, [CLI, 'tail', 'alt', '-n', '1'], { env: h.env });
    let out = '';
    tail.stdout.on('data', (d) => (out += d));
    try {
      await waitFor('tail printed the last line', () => out.includes('err 20'), 15_000);
    } finally {
      tail.kill('SIGKILL');
    }
  });

  test('--since is exact, line by line, whatever the files\' mtimes; `timestamps: none` says why it cannot', async () => {
    // Written by hand, as the helper would have: old lines in files touched just now.
    const dir = join(h.home, 'logs', 'handmade');
    mkdirSync(dir, { recursive: true });
    const at = (agoMs: number) => new Date(Date.now() - agoMs).toISOString().replace('Z', '000Z');
    writeFileSync(join(dir, 'out.log.1'), `${at(11 * 60_000)} eleven minutes ago\n${at(5 * 60_000)} five minutes ago\n`);
    writeFileSync(join(dir, 'out.log'), `${at(2 * 60_000)} two minutes ago\n${at(30_000)} thirty seconds ago\n`);
    writeFileSync(join(dir, 'err.log'), `${at(90_000)} ninety seconds ago\n${at(10_000)} ten seconds ago\n`);
    const r = await h.cli(['logs', 'handmade', '--since', '-1m']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(text(r.stdout), ['thirty seconds ago', 'ten seconds ago']);
    assert.deepEqual(text((await h.cli(['logs', 'handmade', '--since', '-6m'])).stdout), ['five minutes ago', 'two minutes ago', 'ninety seconds ago', 'thirty seconds ago', 'ten seconds ago']);
    assert.deepEqual(text((await h.cli(['logs', 'handmade', '--since', '-6m', '-n', '2'])).stdout), ['thirty seconds ago', 'ten seconds ago']);
    await up(`  plain:\n    command: echo hello\n    restart: never\n    log: { timestamps: none }\n`);
    await h.waitJob('plain', 'exited', (j) => j.state === 'exited', 15_000);
    assert.deepEqual(text((await h.cli(['logs', 'plain'])).stdout), ['hello'], 'timestamps: none turns them off');
    const none = await h.cli(['logs', 'plain', '--since', '-1m']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no timestamps.*--since/);
  });

  test('finished runs stay reachable after `jobs` and wait() forget their jobs, and after a daemon restart', async () => {
    const run = await h.cli(['run', '--bg', '--name', 'once', '--', 'sh', '-c', 'echo said; echo complained >&2']);
    assert.equal(run.code, 0, run.stderr);
    const c = await h.api();
    const job = /\[(\d+)\]/.exec(run.stdout)![1];
    await c.wait(`%${job}`);
    await h.cli(['jobs']);
    assert.ok(!(await h.cli(['jobs'])).stdout.includes('once'), 'the job is forgotten');
    assert.deepEqual(text((await h.cli(['logs', 'once'])).stdout), ['said', 'complained']);
    await h.cli(['down']);
    h.reconnect();
    const again = await h.cli(['logs', 'once']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(text(again.stdout), ['said', 'complained']);
    const nothing = await h.cli(['logs', 'never-was']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no program, job or logs named "never-was"/);
    const tailNothing = await h.cli(['tail', 'never-was']);
    assert.equal(tailNothing.code, 1, 'tail of nothing fails at once');
    assert.match(tailNothing.stderr, /^appinit: no program, job or logs named "never-was"$/m);
  });

  test('names that would lead out of the logs directory are refused and touch nothing', async () => {
    const victim = join(h.home, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'out.log'), 'precious\n');
    writeFileSync(join(victim, 'out.log.1'), 'precious too\n');
    writeFileSync(join(outside, 'out.log'), 'elsewhere\n');
    symlinkSync(outside, join(h.home, 'logs', 'link'));
    for (const name of ['../victim', '..', '../../x', 'link']) {
      const r = await h.cli(['logs', name, '--flush']);
      assert.notEqual(r.code, 0, `logs ${name} --flush must fail`);
      assert.match(r.stderr, /invalid name|not a directory/, r.stderr);
      const read = await h.cli(['logs', name]);
      assert.notEqual(read.code, 0, `logs ${name} must fail`);
    }
    assert.equal(readFileSync(join(victim, 'out.log'), 'utf8'), 'precious\n');
    assert.equal(readFileSync(join(victim, 'out.log.1'), 'utf8'), 'precious too\n');
    assert.equal(readFileSync(join(outside, 'out.log'), 'utf8'), 'elsewhere\n');
  });

  test('a compression failure is reported: daemon log, `logs` and the API', async () => {
    // A directory where the compressed copy's temporary file must go: gzip cannot write it.
    const dir = join(h.home, 'logs', 'zbad');
    mkdirSync(join(dir, 'out.log.1.gz.tmp'), { recursive: true });
    await up(`  zbad:\n    command: ${fixture('lines')} 300 100 1000\n    restart: never\n    log: { maxSize: 4KB, compress: true }\n`);
    await h.waitJob('zbad', 'exited', (j) => j.state === 'exited', 15_000);
    const api = unixTransport(join(h.home, 'appinit.sock'));
    const problems = await waitFor('the failure is in /v1/logs/problems', async () => {
      const r = ((await api('GET', '/v1/logs/problems')).body as { problems: { name: string; file: string; error: string }[] }).problems;
      return r.find((p) => p.name === 'zbad' && p.file.endsWith('out.log.1'));
    }, 15_000);
    assert.match(problems.error, /EISDIR|directory/);
    const r = await h.cli(['logs', 'zbad', '-n', '1']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /zbad: could not compress .*out\.log\.1/);
    const daemonLog = join(h.home, 'daemon.log');
    assert.ok(existsSync(daemonLog));
    assert.match(readFileSync(daemonLog, 'utf8'), /zbad: could not compress/);
    assert.ok(streamFiles(join(dir, 'out.log')).some((f) => f.endsWith('.gz')), 'the other rotated files were compressed');
  });
});
