// `appinit stat` against the tools the shell chapter shows: Debian's sysstat (sar -u, iostat,
// iostat -c) and procps (vmstat -s, vmstat -t). Layouts are compared exactly (banner, headers,
// column ends, blank lines); live values for plausibility (ranges, sums, counters that only
// grow, figures that cannot change), not for equality.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, TestHome } from '../e2e/harness.js';

const run = promisify(execFile);
const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC', S_TIME_FORMAT: '' };
const missing = ['sar', 'iostat', 'vmstat'].filter((t) => spawnSync(t, ['-V']).error);
const skip = missing.length ? `not installed: ${missing.join(', ')} (apt-get install sysstat procps)` : false;

/** The column where each whitespace-separated token ends: the layout of a right-aligned row. */
function ends(line: string): number[] {
  return [...line.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
}

/** Lines with every number made "#": what must be the same whatever the live values. */
function shape(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\d+(\.\d+)?/g, '#').replace(/ +/g, ' '));
}

describe('stat against sysstat and procps', { skip }, () => {
  const h = new TestHome('appinit-sysstat-');
  const ours = async (...args: string[]) => (await run(process.execPath, [CLI, 'stat', ...args], { env: { ...ENV, APPINIT_HOME: h.home } })).stdout;
  const theirs = async (cmd: string, ...args: string[]) => (await run(cmd, args, { env: ENV })).stdout;
  before(async () => {
    assert.equal((await h.cli(['status'])).code, 0);
  });
  after(() => h.cleanup());

  test('stat -u 1 2 is sar -u 1 2: banner, header, two rows and the Average: line', async () => {
    const [a, b] = await Promise.all([ours('-u', '1', '2'), theirs('sar', '-u', '1', '2')]);
    const [ol, tl] = [a.trimEnd().split('\n'), b.trimEnd().split('\n')];
    assert.equal(ol.length, 6, a);
    assert.equal(ol.length, tl.length, `${a}\n---\n${b}`);
    assert.equal(ol[0], tl[0], 'the banner');
    assert.equal(ol[1], '');
    assert.equal(ol[2].slice(8), tl[2].slice(8), 'the header after the time');
    assert.match(ol[5], /^Average: +all /);
    for (let i = 2; i < 6; i++) assert.deepEqual(ends(ol[i]), ends(tl[i]), `column ends of line ${i}:\n${ol[i]}\n${tl[i]}`);
    const rows = ol.slice(3).map((l) => l.trim().split(/\s+/).slice(2).map(Number));
    for (const r of rows) {
      assert.ok(r.every((v) => v >= 0 && v <= 100), `percentages: ${r}`);
      assert.ok(Math.abs(r.reduce((s, v) => s + v, 0) - 100) < 0.1, `the split adds up to 100: ${r}`);
    }
    // Equal intervals: the average lies between the rows.
    rows[2].forEach((v, i) => assert.ok(v >= Math.min(rows[0][i], rows[1][i]) - 0.02 && v <= Math.max(rows[0][i], rows[1][i]) + 0.02, `Average column ${i}`));
  });

  test('stat --iostat is iostat: banner, avg-cpu and device sections, blank lines; since-boot figures agree', async () => {
    const b = await theirs('iostat');
    const a = await ours('--iostat');
    assert.deepEqual(shape(a), shape(b), `${a}\n---\n${b}`);
    const [ol, tl] = [a.split('\n'), b.split('\n')];
    assert.equal(ol[0], tl[0]);
    for (let i = 2; i < ol.length; i++) assert.deepEqual(ends(ol[i]), ends(tl[i]), `column ends of line ${i}:\n${ol[i]}\n${tl[i]}`);
    const cpu = (l: string) => l.trim().split(/\s+/).map(Number);
    cpu(ol[3]).forEach((v, i) => assert.ok(Math.abs(v - cpu(tl[3])[i]) < 2, `avg-cpu since boot, column ${i}: ${ol[3]} / ${tl[3]}`));
    const dev = (lines: string[]) => new Map(lines.slice(lines.findIndex((l) => l.startsWith('Device')) + 1).filter((l) => l.trim()).map((l) => [l.split(/\s+/)[0], l.trim().split(/\s+/).slice(1).map(Number)] as const));
    const [od, td] = [dev(ol), dev(tl)];
    assert.deepEqual([...od.keys()].sort(), [...td.keys()].sort(), 'the same devices');
    for (const [name, t] of td) {
      const o = od.get(name)!;
      for (const i of [4, 5, 6]) assert.ok(o[i] >= t[i] && o[i] <= t[i] * 1.05 + 1024, `${name} column ${i}: ours ${o[i]} (read later) vs ${t[i]}`);
    }
  });

  test('stat -c is iostat -c, blank lines and all', async () => {
    const b = await theirs('iostat', '-c');
    const a = await ours('-c');
    assert.deepEqual(shape(a), shape(b), `${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    assert.deepEqual(ends(a.split('\n')[3]), ends(b.split('\n')[3]));
  });

  test('stat -s is vmstat -s: the same counters in the same order; fixed ones equal, growing ones grown', async () => {
    const b = await theirs('vmstat', '-s');
    const a = await ours('-s');
    const parse = (t: string) => t.trimEnd().split('\n').map((l) => [/^ *(\d+) (.*)$/.exec(l)![2], Number(/\d+/.exec(l)![0]), l.indexOf(/\d+/.exec(l)![0]) + /\d+/.exec(l)![0].length] as const);
    const [o, t] = [parse(a), parse(b)];
    assert.deepEqual(o.map((x) => x[0]), t.map((x) => x[0]), 'names and order');
    assert.deepEqual(o.map((x) => x[2]), t.map((x) => x[2]), 'values end in column 13');
    const v = (list: typeof o, name: string) => list.find((x) => x[0] === name)![1];
    for (const fixed of ['K total memory', 'K total swap', 'boot time']) assert.equal(v(o, fixed), v(t, fixed), fixed);
    for (const grows of ['non-nice user cpu ticks', 'system cpu ticks', 'idle cpu ticks', 'interrupts', 'CPU context switches', 'forks', 'K paged in', 'K paged out']) {
      assert.ok(v(o, grows) >= v(t, grows), `${grows}: ${v(o, grows)} read after ${v(t, grows)}`);
    }
    const total = v(t, 'K total memory');
    for (const mem of ['K used memory', 'K free memory', 'K buffer memory', 'K swap cache', 'K active memory', 'K inactive memory']) {
      assert.ok(Math.abs(v(o, mem) - v(t, mem)) < total * 0.1, `${mem}: ${v(o, mem)} vs ${v(t, mem)}`);
    }
  });

  test('stat -t 1 2 is vmstat -t 1 2: the timestamp columns', async () => {
    const [a, b] = await Promise.all([ours('-t', '1', '2'), theirs('vmstat', '-t', '1', '2')]);
    const [ol, tl] = [a.trimEnd().split('\n'), b.trimEnd().split('\n')];
    assert.equal(ol.length, 4, a);
    assert.equal(ol[0], tl[0]);
    assert.equal(ol[1], tl[1]);
    for (const l of ol.slice(2)) {
      assert.match(l, / \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(l.trim().split(/\s+/).length, 19);
      const at = Date.parse(l.slice(-19).replace(' ', 'T') + 'Z');
      assert.ok(Math.abs(at - Date.now()) < 60_000, `the timestamp is now: ${l}`);
    }
  });
});
