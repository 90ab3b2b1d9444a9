// The log reader against a brute-force reference: streams of rotated (plain and compressed) files
// with random times, merged by time, the last N lines, those since a time, both; formatting.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CollectEmitter, TextEmitter, type LogSource } from '../../../src/core/logs/emit.js';
import { readLogs } from '../../../src/core/logs/read.js';
import { StampFormatter, StampParser } from '../../../src/core/logs/stamp.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0); // ms
const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString().slice(0, 20) + String(us % 1_000_000).padStart(6, '0') + 'Z';

// A deterministic random generator (the tests must fail the same way twice).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Line {
  src: number;
  text: string;
  us: number | null; // own time
  key: number; // merge key: own time, else the one before in the stream
}

// The reference: a stable merge by key (stream order kept), then since, then the last n.
function reference(streams: Line[][], n: number | null, sinceUs: number | null): Line[] {
  const idx = streams.map(() => 0);
  const out: Line[] = [];
  for (;;) {
    let best = -1;
    for (let s = 0; s < streams.length; s++) {
      if (idx[s] >= streams[s].length) continue;
      if (best < 0 || streams[s][idx[s]].key < streams[best][idx[best]].key) best = s;
    }
    if (best < 0) break;
    out.push(streams[best][idx[best]++]);
  }
  const kept = sinceUs == null ? out : out.filter((l) => {
    if (l.us != null) return l.us >= sinceUs;
    return l.key === -Infinity || l.key >= sinceUs; // before any stamped line: unknown, kept
  });
  return n == null ? kept : kept.slice(Math.max(0, kept.length - n));
}

describe('log reader', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`merge, -n and --since match the reference (seed ${seed})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'appinit-logread-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'p'));
      const r = rng(seed);
      const clock = { us: T0 * 1000 };
      // Two streams written in alternating bursts, as a program writing to both would.
      const a: Line[] = [];
      const b: Line[] = [];
      for (let burst = 0; burst < 6; burst++) {
        a.push(...writeStreamBurst(a.length, 0, r, clock));
        b.push(...writeStreamBurst(b.length, 1, r, clock));
      }
      writeFiles(dir, 'out.log', a, 40);
      writeFiles(dir, 'err.log', b, 55);
      const sources: LogSource[] = [
        { name: 'p', stream: 'stdout', live: join(dir, 'out.log'), stamped: true },
        { name: 'p', stream: 'stderr', live: join(dir, 'err.log'), stamped: true },
      ];
      const all = a.length + b.length;
      const cases: [number | null, number | null][] = [[null, null], [0, null], [1, null], [7, null], [all - 3, null], [all + 10, null]];
      for (const frac of [0, 0.3, 0.77, 1.1]) {
        const since = Math.floor((T0 * 1000 + (clock.us - T0 * 1000) * frac) / 1000) * 1000; // µs, whole ms
        cases.push([null, since], [5, since], [10_000, since]);
      }
      for (const [n, since] of cases) {
        const out = new CollectEmitter(1e9, 1e12);
        await readLogs(sources, { n, since: since == null ? null : since / 1000 }, out);
        const want = reference([a, b], n, since);
        assert.deepEqual(out.lines.map((l) => l.line.replace(/^\S+Z /, '')), want.map((l) => l.text), `n=${n} since=${since}`);
        assert.deepEqual(out.lines.map((l) => l.stream), want.map((l) => (l.src === 0 ? 'stdout' : 'stderr')));
      }
    });
  }

  test('text output: times in the reader\'s zone, names before lines when several programs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appinit-logread-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'out.log'), '2026-01-05T10:00:00.123456Z hello\nno stamp\n');
    const chunks: Buffer[] = [];
    const src: LogSource = { name: 'web', stream: 'stdout', live: join(dir, 'out.log'), stamped: true };
    await readLogs([src], { n: null, since: null }, new TextEmitter({ multi: true, tz: 'Europe/Paris' }, (c) => void chunks.push(c)));
    assert.equal(Buffer.concat(chunks).toString(), 'web | 2026-01-05 11:00:00.123 hello\nweb | no stamp\n');
    chunks.length = 0;
    await readLogs([{ ...src, stamped: false }], { n: 1, since: null }, new TextEmitter({ multi: false, tz: 'UTC' }, (c) => void chunks.push(c)));
    assert.equal(Buffer.concat(chunks).toString(), 'no stamp\n');
  });

  test('stamps: ISO with 3 to 6 digits, unix; the formatter follows daylight-saving time', () => {
    const p = new StampParser();
    const b = (s: string) => Buffer.from(s);
    assert.ok(p.parse(b('2026-01-05T10:00:00.123Z x'), 0, 26));
    assert.equal(p.us, Date.UTC(2026, 0, 5, 10) * 1000 + 123_000);
    assert.equal(p.len, 25);
    assert.ok(p.parse(b('2026-01-05T10:00:00.123456Z x'), 0, 29));
    assert.equal(p.us % 1_000_000, 123_456);
    assert.ok(p.parse(b('1767607200.250 x'), 0, 16));
    assert.equal(p.us, 1767607200_250_000);
    assert.equal(p.parse(b('2026-01-05T10:00:00.123Zx'), 0, 25), false);
    assert.equal(p.parse(b('hello world'), 0, 11), false);
    const f = new StampFormatter('Europe/Paris');
    assert.equal(f.format(Date.UTC(2026, 6, 1, 12, 0, 0, 7) * 1000), '2026-07-01 14:00:00.007');
    assert.equal(f.format(Date.UTC(2026, 0, 1, 12, 0, 0, 999) * 1000), '2026-01-01 13:00:00.999');
    assert.equal(new StampFormatter('UTC').format(Date.UTC(2026, 0, 1, 0, 0, 0) * 1000), '2026-01-01 00:00:00.000');
  });
});

// One burst of a stream: 1 to 30 lines, sometimes unstamped.
function writeStreamBurst(from: number, src: number, r: () => number, clock: { us: number }): Line[] {
  const out: Line[] = [];
  const k = 1 + Math.floor(r() * 30);
  for (let i = 0; i < k; i++) {
    clock.us += Math.floor(r() * 2000);
    const stamped = r() > 0.08;
    out.push({ src, text: `${src ? 'err' : 'out'} ${String(from + i).padStart(6, '0')} ${'z'.repeat(Math.floor(r() * 30))}`, us: stamped ? clock.us : null, key: 0 });
  }
  return out;
}

// Fixes merge keys (inherited times) and writes a stream's files: two compressed, plain rotated, live.
function writeFiles(dir: string, base: string, lines: Line[], per: number): void {
  let prev: number | null = null;
  for (const l of lines) {
    if (l.us != null) prev = l.us;
    l.key = l.us ?? prev ?? -Infinity;
  }
  const groups: Line[][] = [];
  lines.forEach((l, i) => (i % per === 0 ? groups.push([l]) : groups.at(-1)!.push(l)));
  groups.forEach((g, k) => {
    const body = g.map((l) => (l.us != null ? `${iso(l.us)} ${l.text}` : l.text)).join('\n') + '\n';
    const live = k === groups.length - 1;
    const gz = !live && k < 2;
    const path = live ? join(dir, base) : `${join(dir, base)}.${k + 1}${gz ? '.gz' : ''}`;
    writeFileSync(path, gz ? gzipSync(body) : body);
    const lastKey = g.map((l) => l.key).filter((x) => x !== -Infinity).at(-1);
    if (lastKey != null) utimesSync(path, new Date(), new Date(Math.ceil(lastKey / 1000) + 1));
  });
}

