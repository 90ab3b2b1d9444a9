// Managed logs: every line kept, timestamped, rotated, followed; nothing dies with the daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readLogFile, streamFiles } from '../../src/core/logs/files.js';
import { fixture } from '../fixtures/fixtures.js';
import { alive, CLI, TestHome, waitFor } from './harness.js';

// Every line of a stream across rotated (and compressed) files, in order, without its timestamp.
function allLines(live: string): string[] {
  return streamFiles(live).flatMap((f) => readLogFile(f).split('\n').filter(Boolean)).map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));
}

// The text of a line `logs` printed: after its local time (`2026-12-01 23:46:57.123 `).
const shown = (l: string) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /, '');

// Asserts lines carry the numbers 1..n exactly once, in order.
function assertNumbered(lines: string[], n: number, strip = (l: string) => l): void {
  const nums = lines.map((l) => Number(strip(l).slice(0, 8)));
  let expect = 1;
  for (const k of nums) {
    assert.equal(k, expect, `line number ${expect} expected, got ${k} (no gap, no duplicate)`);
    expect++;
  }
  assert.equal(nums.length, n, `${n} lines`);
}

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe('managed logs', () => {
  const h = new TestHome();
  const lines = fixture('lines');
  const logs = (name: string, f = 'out.log') => join(h.home, 'logs', name, f);
  after(() => h.cleanup());
  // Each `up` replaces the whole set: keep earlier programs (unchanged ones are left alone).
  let progs = 'programs:\n';
  const up = (more: string) => h.up((progs += more));

  test('rotation under a fast writer loses and repeats no line, compressed or not', async () => {
    await up(`  flood:
    command: ${lines} 200000 100
    restart: never
    log: { maxSize: 256KB, keep: 1000 }
  zflood:
    command: ${lines} 100000 100
    restart: never
    log: { maxSize: 512KB, keep: 1000, compress: true }
`);
    await h.waitJob('flood', 'exited', (j) => j.state === 'exited', 30_000);
    await h.waitJob('zflood', 'exited', (j) => j.state === 'exited', 30_000);
    await waitFor('every flood line written', () => allLines(logs('flood')).length === 200000, 10_000);
    assert.ok(streamFiles(logs('flood')).length > 50, 'it rotated many times');
    assertNumbered(allLines(logs('flood')), 200000);
    await waitFor('rotated files compressed', () => streamFiles(logs('zflood')).filter((f) => f.endsWith('.gz')).length >= 15, 15_000);
    await waitFor('every zflood line present', () => allLines(logs('zflood')).length === 100000, 10_000);
    assertNumbered(allLines(logs('zflood')), 100000);
  });

  // A chunk is cut at its lines: an 8 KB file took a burst's whole 64 KiB chunk (190x maxSize once
  // compressed), and a program that then went quiet left it so for good.
  test('no file grows past maxSize by more than a line, in a burst that then goes quiet', async () => {
    await up(`  burst:\n    command: sh -c "seq 1 5000; exec sleep 1000"\n    log: { maxSize: 8KB, keep: 1000 }\n`);
    await waitFor('the burst written', () => allLines(logs('burst')).length === 5000, 15_000);
    const files = streamFiles(logs('burst'));
    assert.ok(files.length >= 5, `rotated: ${files.length} files`);
    for (const f of files) assert.ok(statSync(f).size <= 8 * 1024 + 100, `${f}: ${statSync(f).size} bytes`);
    await h.cli(['stop', 'burst']);
  });

  test('keep bounds the rotated files', async () => {
    await up(`  kept:\n    command: ${lines} 50000 100\n    restart: never\n    log: { maxSize: 100KB, keep: 3 }\n`);
    await h.waitJob('kept', 'exited', (j) => j.state === 'exited', 30_000);
    await waitFor('at most 3 rotated files', () => streamFiles(logs('kept')).length <= 4, 10_000);
    const last = allLines(logs('kept')).at(-1)!;
    assert.equal(Number(last.slice(0, 8)), 50000, 'the newest lines are the ones kept');
  });

  test('timestamps are in the stated format and monotonic; long lines are split, not dropped', async () => {
    await up(`  iso:
    command: ${lines} 50 40 2000
    restart: never
    log: { timestamps: iso }
  unix:
    command: ${lines} 50 40 2000
    restart: never
    log: { timestamps: unix }
  long:
    command: sh -c 'head -c 200000 /dev/zero | tr "\\\\0" a; echo; echo after'
    restart: never
    log: { maxLine: 64KB }
  pieces:
    command: sh -c 'printf ab; sleep 0.2; printf "cd\\nef"; sleep 0.2; printf "gh\\nij\\n"; sleep 0.2; printf last'
    restart: never
`);
    for (const n of ['iso', 'unix', 'long', 'pieces']) await h.waitJob(n, 'exited', (j) => j.state === 'exited', 15_000);
    // A line written in pieces (across the helper's reads) is one line with one timestamp; the
    // unfinished last one is written at the end.
    const pieces = streamFiles(logs('pieces')).flatMap((f) => readLogFile(f).split('\n').filter(Boolean));
    assert.deepEqual(pieces.map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z /, '')), ['abcd', 'efgh', 'ij', 'last']);
    const iso = streamFiles(logs('iso')).flatMap((f) => readLogFile(f).split('\n').filter(Boolean));
    assert.equal(iso.length, 50);
    const isoTimes = iso.map((l) => {
      assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \d{8} x+$/, 'ISO 8601 UTC to the microsecond');
      return Date.parse(l.slice(0, 27));
    });
    for (let i = 1; i < isoTimes.length; i++) assert.ok(isoTimes[i] >= isoTimes[i - 1], 'monotonic');
    assertNumbered(iso, 50, (l) => l.slice(28));
    const unix = streamFiles(logs('unix')).flatMap((f) => readLogFile(f).split('\n').filter(Boolean));
    for (const l of unix) assert.match(l, /^\d{10}\.\d{3} \d{8} x+$/);
    const long = allLines(logs('long'));
    assert.deepEqual(long.map((l) => l.length), [65536, 65536, 65536, 200000 - 3 * 65536, 5]);
    assert.equal(long.at(-1), 'after');
  });

  test('logs reads across rotations; no name interleaves programs with their names; --json; --since', async () => {
    const tail = await h.cli(['logs', 'flood', '-n', '3']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(tail.stdout.trim().split('\n').map((l) => Number(shown(l).slice(0, 8))), [199998, 199999, 200000]);
    // Without a name: the last lines of all programs merged, each behind its name; an ISO time
    // shown in local time, a unix one as written.
    // (iso, unix and long wrote last, 105 lines in all; flood and the others before them.)
    const all = await h.cli(['logs', '-n', '200']);
    assert.equal(all.stdout.trim().split('\n').length, 200, '-n counts lines of the merged output');
    assert.match(all.stdout, /^iso \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} 00000050/m);
    assert.match(all.stdout, /^unix \| \d{10}\.\d{3} 00000050/m);
    const json = (await h.cli(['logs', 'iso', '-n', '1', '--json'])).stdout.trim();
    const obj = JSON.parse(json);
    assert.equal(obj.name, 'iso');
    assert.equal(obj.stream, 'stdout');
    assert.equal(typeof obj.time, 'number');
    const none = await h.cli(['logs', 'iso', '--since', new Date(Date.now() + 60_000).toISOString()]);
    assert.equal(none.stdout, '', 'nothing since a minute from now');
    const bad = await h.cli(['logs', 'iso', '--since', 'yesterdayish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since: expected a time/);
  });

  test('logs -f follows across rotations in order', async () => {
    await up(`  slow:\n    command: ${lines} 3000 100 1000\n    restart: never\n    log: { maxSize: 20KB, keep: 1000 }\n`);
    await h.waitJob('slow', 'running', (j) => j.pid != null);
    const follower = spawn(process.execPath, [CLI, 'logs', 'slow', '-f', '-n', '100000'], { env: h.env });
    let out = '';
    follower.stdout.on('data', (d) => (out += d));
    try {
      await waitFor('the follower saw line 3000', () => out.includes('00003000 '), 30_000);
      const nums = out.trim().split('\n').map((l) => Number(shown(l).slice(0, 8)));
      assert.deepEqual(nums, Array.from({ length: 3000 }, (_, i) => i + 1));
      assert.ok(streamFiles(logs('slow')).length > 5, 'the follow crossed rotations');
    } finally {
      follower.kill('SIGKILL');
    }
  });

  test('logs -f of every program follows a program added after it started, from its first line', async () => {
    await h.up('programs:\n  first-of-two:\n    command: sh -c "while :; do echo one-tick; sleep 0.2; done"\n');
    const follower = spawn(process.execPath, [CLI, 'logs', '-f', '-n', '1'], { env: h.env });
    let out = '';
    follower.stdout.on('data', (d) => (out += d));
    try {
      await waitFor('the follower to show the first program', () => /first-of-two \| .*one-tick/.test(out), 15_000);
      assert.equal((await h.cli(['start', '--name', 'added-later', '--', 'sh', '-c', 'echo later-first-line; exec sleep 1000'])).code, 0);
      await waitFor('the follower to show the program added later, its first line included', () => /added-later \| .*later-first-line/.test(out), 15_000);
    } finally {
      follower.kill('SIGKILL');
      await h.cli(['delete', 'added-later']);
      await h.cli(['stop', 'first-of-two']);
    }
  });

  test('a stopped follower does not grow the daemon; it is told how many lines it missed', async () => {
    await up(`  gush:\n    command: ${lines} 0 200\n    log: { maxSize: 50MB, keep: 2 }\n`);
    await h.waitJob('gush', 'running', (j) => j.pid != null);
    // A one-line backlog: its arrival proves the follow request reached the daemon.
    const follower = spawn(process.execPath, [CLI, 'logs', 'gush', '-f', '-n', '1'], { env: h.env });
    let err = '';
    let out = 0;
    follower.stderr.on('data', (d) => (err += d));
    follower.stdout.on('data', (d: Buffer) => (out += d.length));
    try {
      await waitFor('the follower received its first line', () => out > 0, 15_000);
      follower.kill('SIGSTOP');
      const daemon = h.daemonPid();
      const before = rssKiB(daemon);
      let peak = before;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        peak = Math.max(peak, rssKiB(daemon));
        await new Promise((r) => setTimeout(r, 100));
      }
      const written = streamFiles(logs('gush')).length;
      assert.ok(written >= 1);
      assert.ok(peak - before < 64 * 1024, `daemon RSS grew ${peak - before} KiB while a follower was stopped`);
      await (await h.api()).stop(['gush']);
      follower.kill('SIGCONT');
      await waitFor('the follower was told it missed lines', () => /\d+ lines missed/.test(err), 15_000);
    } finally {
      follower.kill('SIGKILL');
    }
  });

  test('kill -9 of the daemon neither kills nor blocks a writer, and loses none of its lines', async () => {
    await up(`  steady:\n    command: ${lines} 20000 100 500\n    restart: never\n`);
    const j = await h.waitJob('steady', 'running', (x) => x.pid != null);
    await waitFor('some lines written', () => allLines(logs('steady')).length > 100);
    process.kill(h.daemonPid(), 'SIGKILL');
    const atKill = allLines(logs('steady')).length;
    await waitFor('the writer keeps writing with the daemon down', () => allLines(logs('steady')).length > atKill + 500, 10_000);
    assert.ok(alive(j.pid!), 'the writer is alive');
    h.reconnect();
    assert.equal((await h.cli(['status'])).code, 0);
    await h.waitJob('steady', 'exited', (x) => x.state === 'exited', 60_000);
    assertNumbered(allLines(logs('steady')), 20000);
  });

  test('logs NAME says where the streams that are not in the managed log go', async () => {
    const out = join(h.home, 'elsewhere.out');
    await up(`  elsewhere:\n    command: sh -c 'echo to-file; echo to-log >&2; exec sleep 1000'\n    stdout: ${out}\n  nowhere:\n    command: sh -c 'echo x; exec sleep 1000'\n    stdout: /dev/null\n    stderr: stdout\n`);
    await waitFor('the line in the managed log', async () => (await h.cli(['logs', 'elsewhere'])).stdout.includes('to-log'));
    const r = await h.cli(['logs', 'elsewhere']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, `appinit: elsewhere: its stdout goes to ${out}, not to the managed log\n`);
    assert.equal((await h.cli(['logs', 'elsewhere', '--stderr'])).stderr, '', 'only stderr asked for: it is all there');
    assert.equal((await h.cli(['logs', 'nowhere'])).stderr,
      'appinit: nowhere: its stdout goes to /dev/null, not to the managed log\nappinit: nowhere: its stderr goes to /dev/null, not to the managed log\n');
    assert.match(readFileSync(out, 'utf8'), /^to-file$/m);
  });

  test('--flush empties a program\'s logs', async () => {
    const r = await h.cli(['logs', '--flush', 'flood']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('flood logs empty', () => allLines(logs('flood')).length === 0);
  });
});
