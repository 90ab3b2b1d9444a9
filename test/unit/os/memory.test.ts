// trimMalloc and capArenas (src/os/memory.ts): freed malloc memory goes back to the kernel only
// when asked; a capped process keeps its threads' allocations in one shared arena.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { trimMalloc } from '../../../src/os/memory.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const rssMiB = () => process.memoryUsage().rss / 1048576;

test('memory malloc freed and kept by glibc leaves the process after trimMalloc', async () => {
  // 24 MiB of 60 KiB buffers: below glibc's mmap threshold, so they live in the malloc heap, and
  // one more block of their size allocated after them keeps the heap's top: free() alone gives
  // nothing back. (A 16-byte pin could be served from a small free chunk lower in the heap, left
  // by node's start; then free() trimmed the top itself and nothing was left for trimMalloc: seen
  // once in CI, 48.7 -> 48.9 MiB.)
  let held: Buffer[] | null = [];
  for (let i = 0; i < 400; i++) held.push(Buffer.alloc(60 * 1024, 1));
  const pin = Buffer.alloc(60 * 1024, 1);
  held = null;
  gc();
  gc();
  const before = rssMiB();
  // V8 frees an ArrayBuffer's memory on a background thread after the collection: until it has,
  // malloc has nothing to give back (seen under load in CI). Trim again until it has, bounded.
  let after = before;
  for (const until = Date.now() + 5000; before - after < 10 && Date.now() < until;) {
    assert.equal(trimMalloc(), true, 'glibc has malloc_trim');
    after = rssMiB();
    if (before - after < 10) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(before - after >= 10, `RSS went from ${before.toFixed(1)} to ${after.toFixed(1)} MiB within 5 s of trims: expected at least 10 MiB back`);
  assert.equal(pin.length, 60 * 1024);
});

// A child node process that starts four worker threads which malloc, then counts glibc's arena
// heaps in its /proc/self/maps (64 MiB-aligned reservations, their unused part PROT_NONE).
function arenasOfChild(cap: boolean): number {
  const mem = new URL('../../../src/os/memory.js', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    import { Worker } from 'node:worker_threads';
    const { capArenas } = await import(${JSON.stringify(mem)});
    if (${cap}) capArenas(2);
    // (the workers' code is an ES module too: they inherit --input-type=module)
    const code = "import { parentPort } from 'node:worker_threads'; const k = []; for (let i = 0; i < 200; i++) k.push(Buffer.alloc(8192 + i)); parentPort.postMessage(k.length);";
    await Promise.all([1, 2, 3, 4].map(() => new Promise((res) => new Worker(code, { eval: true }).once('message', res))));
    const heaps = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) ---p 00000000 00:00 0\\s*$/.exec(l);
      if (!m) return false;
      const a = parseInt(m[1], 16), b = parseInt(m[2], 16);
      return b % 2 ** 26 === 0 && b - a > 2 ** 24 && b - a <= 2 ** 26;
    });
    console.log(heaps.length);
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('capArenas(2): the threads of a process share one arena beside the main one', () => {
  assert.ok(arenasOfChild(false) >= 3, 'without the cap, each thread that mallocs gets an arena (the test can tell)');
  assert.ok(arenasOfChild(true) <= 1, 'with the cap, one arena besides the main thread\'s');
});
