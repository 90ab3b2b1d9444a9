// Deadlock detection with matrices: the seed's worked example step by step, the algorithm
// against an exhaustive search over thousands of random states, and the matrix file's errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { availableFrom, detect, fits, type MatrixState } from '../../../src/core/resources/detect.js';
import { MatrixFileError, parseMatrixFile } from '../../../src/core/resources/matrix-file.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../../examples/deadlock-matrix.yaml', import.meta.url));

const SEED: MatrixState = {
  resources: ['1', '2', '3', '4'], holders: ['P1', 'P2', 'P3'], existing: [4, 2, 3, 1], available: [2, 1, 0, 0],
  allocation: [[0, 0, 1, 0], [2, 0, 0, 1], [0, 1, 2, 0]], request: [[2, 0, 0, 1], [1, 0, 1, 0], [2, 1, 0, 0]],
};

// Exhaustive: every set of holders that can finish in some order, by breadth-first search over
// sets of finished holders. The largest reachable set is who is not deadlocked.
function bruteForce(s: MatrixState): Set<string> {
  const n = s.holders.length;
  const seen = new Set<number>([0]);
  const queue = [0];
  let best = 0;
  while (queue.length) {
    const mask = queue.shift()!;
    if (popcount(mask) > popcount(best)) best = mask;
    const a = [...s.available];
    for (let i = 0; i < n; i++) if (mask & (1 << i)) for (let k = 0; k < a.length; k++) a[k] += s.allocation[i][k];
    for (let i = 0; i < n; i++) {
      const next = mask | (1 << i);
      if (mask & (1 << i) || seen.has(next) || !fits(s.request[i], a)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return new Set(s.holders.filter((_, i) => best & (1 << i)));
}
const popcount = (x: number) => x.toString(2).replace(/0/g, '').length;

// A small deterministic generator, so a failure can be replayed.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('deadlock detection', () => {
  test('the seed\'s example: P3, then P2, then P1, with the seed\'s A after each', () => {
    const d = detect(SEED);
    assert.deepEqual(d.deadlocked, []);
    assert.deepEqual(d.steps, [
      { run: 'P3', available: [2, 2, 2, 0] },
      { run: 'P2', available: [4, 2, 2, 1] },
      { run: 'P1', available: [4, 2, 3, 1] },
    ]);
  });

  test('a classic two-process cycle on single-instance resources is found', () => {
    const s: MatrixState = { resources: ['db', 'cache'], holders: ['a', 'b'], existing: [1, 1], available: [0, 0], allocation: [[1, 0], [0, 1]], request: [[0, 1], [1, 0]] };
    assert.deepEqual(detect(s).deadlocked, ['a', 'b']);
  });

  test('agrees with an exhaustive search on 5,000 random states', () => {
    const r = rng(42);
    const int = (max: number) => Math.floor(r() * (max + 1));
    for (let t = 0; t < 5000; t++) {
      const nr = 1 + int(3);
      const nh = 1 + int(4);
      const existing = Array.from({ length: nr }, () => 1 + int(3));
      const allocation: number[][] = [];
      const left = [...existing];
      for (let i = 0; i < nh; i++) allocation.push(left.map((l, k) => { const x = int(l); left[k] -= x; return x; }));
      const request = Array.from({ length: nh }, () => existing.map((e) => int(e)));
      const s: MatrixState = { resources: existing.map((_, k) => String(k)), holders: allocation.map((_, i) => `P${i}`), existing, available: availableFrom(existing, allocation), allocation, request };
      const d = detect(s);
      const ok = bruteForce(s);
      assert.deepEqual(new Set(d.order), ok, `state ${t}: ${JSON.stringify(s)}`);
      assert.deepEqual(d.deadlocked, s.holders.filter((h) => !ok.has(h)));
    }
  });

  test('a matrix file with A ≠ E − ΣC, a short row or a negative number is refused with its place', () => {
    const bad = (text: string, re: RegExp) => assert.throws(() => parseMatrixFile(text, 'm.yaml'), (e: unknown) => e instanceof MatrixFileError && re.test(e.message));
    bad('existing: [4, 2]\navailable: [1, 1]\nallocation: { P1: [1, 1] }\nrequest: { P1: [0, 0] }\n', /^m\.yaml:2:12: available: expected existing minus the allocations, \[3, 1\], got \[1, 1\]/);
    bad('existing: [4, 2]\nallocation: { P1: [1] }\nrequest: { P1: [0, 0] }\n', /^m\.yaml:2:19: allocation\.P1: expected 2 numbers/);
    bad('existing: [4, -2]\nallocation: { P1: [1, 1] }\nrequest: { P1: [0, 0] }\n', /^m\.yaml:1:15: existing: expected a whole number ≥ 0, got -2/);
    bad('existing: [1]\nallocation: { P1: [1], P2: [1] }\nrequest: { P1: [0], P2: [0] }\n', /allocation: class 1 has 2 allocated but only 1 existing/);
    bad('existing: [1]\nallocation: { P1: [0] }\nrequest: { P2: [0] }\n', /request: process "P2" has no allocation row/);
    bad('existing: [1]\nalocation: {}\n', /m\.yaml:2:1: unknown key "alocation"/);
  });

  test('appinit deadlock --matrix walks the seed\'s example; --json gives the same facts', () => {
    const r = spawnSync(process.execPath, [CLI, 'deadlock', '--matrix', EXAMPLE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /P3 is not blocked.*A = \(2 2 2 0\)\nP2 is not blocked.*A = \(4 2 2 1\)\nP1 is not blocked.*A = \(4 2 3 1\)\nNo deadlock: the processes can finish in the order P3, P2, P1\.\n$/);
    const j = spawnSync(process.execPath, [CLI, 'deadlock', '--matrix', EXAMPLE, '--json'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(j.stdout), { deadlocked: [], order: ['P3', 'P2', 'P1'], steps: detect(SEED).steps });
    const dir = mkdtempSync(join(tmpdir(), 'appinit-matrix-'));
    try {
      const f = join(dir, 'dl.yaml');
      writeFileSync(f, 'existing: [1, 1]\nallocation: { a: [1, 0], b: [0, 1] }\nrequest: { a: [0, 1], b: [1, 0] }\n');
      const d = spawnSync(process.execPath, [CLI, 'deadlock', '--matrix', f], { encoding: 'utf8' });
      assert.equal(d.status, 1, 'a deadlock exits 1');
      assert.match(d.stdout, /Deadlock: a, b are blocked for good \(a waits for class 2; b waits for class 1\)\./);
      // A FIFO (no writer) or a device where a file is expected: refused at once, not read forever.
      const fifo = join(dir, 'fifo.yaml');
      spawnSync('mkfifo', [fifo]);
      for (const bad of [fifo, '/dev/zero']) {
        const r = spawnSync(process.execPath, [CLI, 'deadlock', '--matrix', bad], { encoding: 'utf8', timeout: 10_000 });
        assert.equal(r.status, 1, `${bad}: exit 1 (${r.signal ?? ''})`);
        assert.match(r.stderr, /not a regular file/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
